// Tells the upstream who is calling (team and app ids, never the key), so services need not resolve keys.
export default function (request, context) {
    const headers = {};
    if (context.team) {
        headers['x-keyway-team'] = context.team.id;
    }
    if (context.app) {
        headers['x-keyway-app'] = context.app.id;
    }
    return context.allow({ setHeaders: headers });
}
