// Strips a header from requests of the teams named in config before they reach the upstream, and tells the
// caller so in a response header.
// config: { "teams": ["team-id", ...], "header": "x-debug" }
export default function (request, context) {
    const header = context.config.header || 'x-debug';
    if (context.team && (context.config.teams || []).includes(context.team.id)) {
        return context.allow({
            removeHeaders: [header],
            responseHeaders: { 'x-keyway-policy-stripped': header }
        });
    }
    return context.allow();
}
