// Rewrites the model: requests for the "auto" model go to a cheap model by default and to a large one when the
// caller asks for it with x-quality: high. Both models must be offered by the called AI service.
// config: { "from": "auto", "cheap": "small-model", "large": "large-model" }
export default function (request, context) {
    if (context.model !== (context.config.from || 'auto')) {
        return context.allow();
    }
    const model = request.header('x-quality') === 'high' ? context.config.large : context.config.cheap;
    return context.allow({ model: model, responseHeaders: { 'x-routed-model': model } });
}
