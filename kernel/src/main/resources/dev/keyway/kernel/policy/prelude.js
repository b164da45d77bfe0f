// Evaluated once per sandboxed context, before any policy. It removes what a policy must not reach, freezes every
// built-in so that no policy can change what another one (or the next request) sees, and returns the functions the
// kernel calls: run (one evaluation), config (a frozen copy of a policy's settings) and logs (console output).
(function () {
    'use strict';
    for (const name of ['Java', 'Graal', 'Polyglot', 'load', 'loadWithNewGlobal', 'print', 'printErr', 'quit',
        'read', 'readbuffer', 'readline', 'console', 'Packages', 'java', 'javax', 'com', 'org', 'edu',
        // Blocking without using CPU (Atomics.wait), and callbacks that run outside any policy's evaluation.
        'Atomics', 'SharedArrayBuffer', 'FinalizationRegistry', 'WeakRef']) {
        delete globalThis[name];
    }
    const freeze = Object.freeze;
    const isArray = Array.isArray;
    const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
    const CODE = /^[a-z][a-z0-9_]{0,63}$/;
    const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer',
        'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'x-request-id']);
    let logLines = [];

    // "Override mistake": with frozen prototypes, assigning e.g. err.name on an instance would throw. These data
    // properties become accessors whose setter defines an own property on the instance instead.
    function tame(proto, prop) {
        const d = Object.getOwnPropertyDescriptor(proto, prop);
        if (!d || !('value' in d) || !d.configurable) {
            return;
        }
        const value = d.value;
        Object.defineProperty(proto, prop, {
            get() { return value; },
            set(v) {
                if (this === proto) {
                    throw new TypeError('Cannot assign to read only property \'' + String(prop) + '\' of a built-in');
                }
                Object.defineProperty(this, prop, {value: v, writable: true, enumerable: true, configurable: true});
            },
            enumerable: d.enumerable, configurable: false
        });
    }
    for (const p of ['constructor', 'toString', 'valueOf', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf',
        'propertyIsEnumerable']) {
        tame(Object.prototype, p);
    }
    for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
        for (const p of ['name', 'message', 'constructor', 'toString']) {
            tame(E.prototype, p);
        }
    }
    for (const p of ['constructor', 'toString']) {
        tame(Function.prototype, p);
        tame(Array.prototype, p);
    }

    const seen = new WeakSet();
    function deepFreeze(o) {
        if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) {
            return o;
        }
        seen.add(o);
        freeze(o);
        for (const k of Reflect.ownKeys(o)) {
            const d = Object.getOwnPropertyDescriptor(o, k);
            if (d) {
                if ('value' in d) {
                    deepFreeze(d.value);
                } else {
                    deepFreeze(d.get);
                    deepFreeze(d.set);
                }
            }
        }
        deepFreeze(Object.getPrototypeOf(o));
        return o;
    }

    function text(v) {
        return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
    }

    const consoleObject = {};
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
        consoleObject[level] = function (...args) {
            if (logLines.length < 50) {
                logLines.push(level + ': ' + args.map(a => typeof a === 'string' ? a : safeJson(a)).join(' ')
                    .slice(0, 2000));
            }
        };
    }
    function safeJson(a) {
        try {
            return JSON.stringify(a);
        } catch (e) {
            return String(a);
        }
    }
    Object.defineProperty(globalThis, 'console', {value: consoleObject, enumerable: false});

    function parseQuery(raw) {
        // No prototype: '__proto__', 'constructor' or 'toString' are names like any other.
        const all = Object.create(null);
        if (raw) {
            const parts = raw.split('&');
            for (let i = 0; i < parts.length; i++) {
                const part = parts[i];
                if (part === '') {
                    continue;
                }
                const eq = part.indexOf('=');
                const name = decode(eq < 0 ? part : part.slice(0, eq));
                const value = eq < 0 ? '' : decode(part.slice(eq + 1));
                if (Object.hasOwn(all, name)) {
                    all[name].push(value);
                } else {
                    all[name] = [value];
                }
            }
        }
        return all;
    }
    function decode(s) {
        try {
            return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch (e) {
            return s;
        }
    }

    function allow(changes) {
        return changes === undefined ? {action: 'allow'} : Object.assign({action: 'allow'}, changes);
    }
    function deny(status, code, message) {
        return {action: 'deny', status: status, code: code, message: message};
    }

    function fail(label, why) {
        throw new TypeError('policy ' + label + ' returned an invalid decision: ' + why
            + ' (expected: context.allow(...), context.deny(status, code, message), or such an object)');
    }
    // Header values: tab and printable ASCII only (what every HTTP stack accepts), at most 8192 characters.
    const VALUE = /^[\t\x20-\x7e]{0,8192}$/;
    const FIELDS = new Set(['action', 'status', 'code', 'message', 'setHeaders', 'removeHeaders', 'responseHeaders',
        'model']);

    // Each field of a returned decision is read exactly once (a getter or Proxy cannot show one value to the checks
    // and another to the kernel), and only index loops are used (no iterator a script could have touched).
    function headerPairs(label, field, obj, out) {
        if (obj === undefined || obj === null) {
            out.push(0);
            return;
        }
        if (typeof obj !== 'object' || isArray(obj)) {
            fail(label, field + ' must be an object of header names to values');
        }
        const names = Object.keys(obj);
        const count = names.length;
        out.push(count);
        for (let i = 0; i < count; i++) {
            const n = names[i];
            const raw = obj[n];
            if (!TOKEN.test(n) || RESERVED.has(n.toLowerCase())) {
                fail(label, field + ' names a header that cannot be set: ' + JSON.stringify(n).slice(0, 130));
            }
            const v = typeof raw === 'number' ? String(raw) : raw;
            if (typeof v !== 'string' || !VALUE.test(v)) {
                fail(label, field + '.' + n + ' must be a string of printable ASCII (and tabs), at most 8192 '
                    + 'characters');
            }
            out.push(n, v);
        }
    }
    // The decision as the kernel reads it without reflection: 'allow' (no changes), ['deny', status, code, message]
    // or ['allow', model|null, n, name, value, ..., m, name, ..., k, name, value, ...]
    function normalize(label, d) {
        if (d === null || typeof d !== 'object' || isArray(d)) {
            fail(label, d === undefined ? 'nothing was returned' : 'got ' + (d === null ? 'null' : isArray(d)
                ? 'an array' : typeof d));
        }
        const keys = Object.keys(d);
        for (let i = 0; i < keys.length; i++) {
            if (!FIELDS.has(keys[i])) {
                fail(label, keys[i] === 'then' ? 'got a Promise or thenable (policies run synchronously; do not use '
                    + 'async functions)' : 'unknown field ' + JSON.stringify(keys[i]).slice(0, 70));
            }
        }
        if (typeof d.then === 'function') {
            fail(label, 'got a Promise (policies run synchronously; do not use async functions)');
        }
        const action = d.action;
        const status = d.status;
        const code = d.code;
        const message = d.message;
        if (action === 'deny') {
            if (!Number.isInteger(status) || status < 400 || status > 599) {
                fail(label, 'a denial needs a status from 400 to 599');
            }
            if (typeof code !== 'string' || !CODE.test(code)) {
                fail(label, 'a denial needs a code of lower-case letters, digits and _ (e.g. "prompt_too_long")');
            }
            if (message !== undefined && typeof message !== 'string') {
                fail(label, 'message must be a string');
            }
            return ['deny', status, code, message === undefined || message === '' ? 'denied by policy'
                : message.slice(0, 1000)];
        }
        if (action !== 'allow') {
            fail(label, 'action must be "allow" or "deny"');
        }
        if (status !== undefined || code !== undefined || message !== undefined) {
            fail(label, 'status, code and message belong to a denial');
        }
        const model = d.model;
        const setHeaders = d.setHeaders;
        const rm = d.removeHeaders;
        const responseHeaders = d.responseHeaders;
        if (model !== undefined && (typeof model !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(model))) {
            fail(label, 'model must be a model name');
        }
        if (model === undefined && setHeaders === undefined && rm === undefined && responseHeaders === undefined) {
            return 'allow';
        }
        const out = ['allow', model === undefined ? null : model];
        headerPairs(label, 'setHeaders', setHeaders, out);
        if (rm === undefined || rm === null) {
            out.push(0);
        } else {
            if (!isArray(rm)) {
                fail(label, 'removeHeaders must be an array of header names');
            }
            const names = [];
            const count = Math.min(rm.length, 256);
            for (let i = 0; i < count; i++) {
                const n = rm[i];
                if (typeof n !== 'string' || !TOKEN.test(n) || RESERVED.has(n.toLowerCase())) {
                    fail(label, 'removeHeaders names a header that cannot be removed: ' + String(n).slice(0, 130));
                }
                names.push(n);
            }
            out.push(names.length);
            for (let i = 0; i < names.length; i++) {
                out.push(names[i]);
            }
        }
        headerPairs(label, 'responseHeaders', responseHeaders, out);
        return out;
    }

    // The request view: one class, so every request's view shares a shape and frozen methods; fields are private
    // (a script cannot reach or change them), parsed parts (headers, query, body) are built on first use.
    class Request {
        #method; #path; #rawQuery; #headerText; #clientIp; #bodyText; #bodyNote;
        #headers = null; #query = null; #body = undefined;

        constructor(method, path, rawQuery, headerText, clientIp, bodyText, bodyNote) {
            this.#method = method;
            this.#path = path;
            this.#rawQuery = rawQuery;
            this.#headerText = headerText;
            this.#clientIp = clientIp;
            this.#bodyText = bodyText;
            this.#bodyNote = bodyNote;
            freeze(this);
        }
        get method() { return this.#method; }
        get path() { return this.#path; }
        get rawQuery() { return this.#rawQuery; }
        get clientIp() { return this.#clientIp; }
        get headers() {
            if (this.#headers === null) {
                const headers = Object.create(null);
                const parts = this.#headerText.split('\n');
                for (let i = 0; i + 1 < parts.length; i += 2) {
                    const n = parts[i];
                    headers[n] = Object.hasOwn(headers, n) ? headers[n] + ', ' + parts[i + 1] : parts[i + 1];
                }
                this.#headers = freeze(headers);
            }
            return this.#headers;
        }
        header(name) {
            if (this.#headers !== null) {
                const n = text(name).toLowerCase();
                return Object.hasOwn(this.#headers, n) ? this.#headers[n] : undefined;
            }
            // One header without building them all: names sit at even lines of "name\nvalue\n" text.
            const text0 = this.#headerText;
            const want = text(name).toLowerCase();
            let found;
            let at = 0;
            while (at < text0.length) {
                const nl = text0.indexOf('\n', at);
                const vl = text0.indexOf('\n', nl + 1);
                if (nl < 0 || vl < 0) {
                    break;
                }
                if (nl - at === want.length && text0.startsWith(want, at)) {
                    const v = text0.slice(nl + 1, vl);
                    found = found === undefined ? v : found + ', ' + v;
                }
                at = vl + 1;
            }
            return found;
        }
        get query() {
            const all = this.#queryAll();
            const first = Object.create(null);
            const keys = Object.keys(all);
            for (let i = 0; i < keys.length; i++) {
                first[keys[i]] = all[keys[i]][0];
            }
            return freeze(first);
        }
        queryAll(name) {
            const all = this.#queryAll();
            const n = text(name);
            return freeze(Object.hasOwn(all, n) ? all[n].slice() : []);
        }
        #queryAll() {
            if (this.#query === null) {
                this.#query = parseQuery(this.#rawQuery);
            }
            return this.#query;
        }
        get bodyText() {
            if (this.#bodyText === null) {
                throw new TypeError(this.#bodyNote);
            }
            return this.#bodyText;
        }
        get body() {
            if (this.#body === undefined) {
                if (this.#bodyText === null) {
                    throw new TypeError(this.#bodyNote);
                }
                try {
                    // A fresh parse per policy call: changing it changes nothing else, so it is not frozen.
                    this.#body = this.#bodyText === '' ? null : JSON.parse(this.#bodyText);
                } catch (e) {
                    this.#body = null;
                }
            }
            return this.#body;
        }
    }

    function pair(id, name) {
        return id === null ? null : freeze({id: id, name: name});
    }

    class Context {
        #a;
        constructor(a) {
            this.#a = a;
            freeze(this);
        }
        get keyId() { return this.#a[0]; }
        get user() { return pair(this.#a[1], this.#a[2]); }
        get team() { return pair(this.#a[3], this.#a[4]); }
        get app() { return pair(this.#a[5], this.#a[6]); }
        get service() {
            const a = this.#a;
            return a[7] === null ? null : freeze({id: a[7], name: a[8], kind: a[9], version: a[10]});
        }
        get subscription() { return this.#a[11] === null ? null : freeze({id: this.#a[11]}); }
        get model() { return this.#a[12]; }
        get config() { return this.#a[13]; }
        get policy() { return this.#a[14]; }
        allow(changes) { return allow(changes); }
        deny(status, code, message) { return deny(status, code, message); }
        log(...args) { consoleObject.log(...args); }
    }
    deepFreeze(Request);
    deepFreeze(Context);

    function run(fn, label, method, path, rawQuery, headerText, clientIp, bodyText, bodyNote, keyId, userId,
                 userName, teamId, teamName, appId, appName, serviceId, serviceName, serviceKind, serviceVersion,
                 subscriptionId, model, config) {
        const request = new Request(method, path, rawQuery, headerText, clientIp, bodyText, bodyNote);
        const context = new Context([keyId, userId, userName, teamId, teamName, appId, appName, serviceId,
            serviceName, serviceKind, serviceVersion, subscriptionId, model, config, label]);
        return normalize(label, fn(request, context));
    }

    // Intrinsics no global property leads to: iterator, generator and async prototypes.
    const hidden = [
        [][Symbol.iterator](), ''[Symbol.iterator](), new Map().entries(), new Set().values(),
        /x/[Symbol.matchAll](''), function* () {}, function* () {}(), async function () {}, async function* () {},
        async function* () {}(), Object.getPrototypeOf(async function* () {}.prototype)
    ];
    for (let i = 0; i < hidden.length; i++) {
        deepFreeze(hidden[i]);
        deepFreeze(Object.getPrototypeOf(hidden[i]));
    }
    deepFreeze(allow);
    deepFreeze(deny);
    deepFreeze(consoleObject);
    deepFreeze(globalThis);
    return deepFreeze({
        run: run,
        config(json) {
            return deepFreeze(JSON.parse(json));
        },
        logs() {
            const out = logLines;
            logLines = [];
            return out;
        }
    });
})()
