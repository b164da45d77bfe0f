// Gold-tier apps may use the large models after 18:00 (UTC); everyone else, and gold apps before then, may not.
// config: { "goldApps": ["app-id", ...], "largeModels": ["gpt-4o", ...], "fromHour": 18 }
// Attach to an AI service. Uses: context.app, context.model, context.config.
export default function (request, context) {
    const large = context.config.largeModels || [];
    if (!large.includes(context.model)) {
        return context.allow();
    }
    const gold = (context.config.goldApps || []).includes(context.app && context.app.id);
    const hour = new Date().getUTCHours();
    if (gold && hour >= (context.config.fromHour ?? 18)) {
        return context.allow();
    }
    return context.deny(403, 'model_not_in_plan', gold
        ? 'large models are available to gold-tier apps from ' + (context.config.fromHour ?? 18) + ':00 UTC'
        : 'large models are available to gold-tier apps only');
}
