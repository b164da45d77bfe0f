// Rejects prompts over N characters for free keys. A key is "free" when its app is listed in config.freeApps
// (or when the request says x-plan: free). Reads the body: on AI routes it is the chat request; on REST routes
// the policy needs readsBody.
// config: { "freeApps": ["app-id", ...], "maxChars": 200 }
export default function (request, context) {
    const free = (context.config.freeApps || []).includes(context.app && context.app.id)
        || request.header('x-plan') === 'free';
    if (!free) {
        return context.allow();
    }
    const body = request.body;
    const messages = body && Array.isArray(body.messages) ? body.messages : [];
    let chars = 0;
    for (const m of messages) {
        if (typeof m.content === 'string') {
            chars += m.content.length;
        } else if (Array.isArray(m.content)) {
            for (const part of m.content) {
                chars += typeof part.text === 'string' ? part.text.length : 0;
            }
        }
    }
    if (body && typeof body.prompt === 'string') {
        chars += body.prompt.length;
    }
    const max = context.config.maxChars ?? 200;
    if (chars > max) {
        return context.deny(400, 'prompt_too_long', 'free keys may send at most ' + max + ' characters of prompt, '
            + 'this request has ' + chars);
    }
    return context.allow();
}
