package dev.keyway.spi;

/**
 * The attribute keys the kernel and built-in stages share. Each key says who writes it; stages that need one
 * state it in their Javadoc and respond with a denial (fail closed) when it is missing.
 */
public final class Attributes {
    /** The service whose route matched. Written by the kernel before the chain runs. */
    public static final AttributeKey<Service> SERVICE = AttributeKey.of("service", Service.class);
    /** The version of {@link #SERVICE} whose path prefix matched. Written by the kernel before the chain runs. */
    public static final AttributeKey<ServiceVersion> SERVICE_VERSION =
            AttributeKey.of("service-version", ServiceVersion.class);
    /** The API key presented by the caller. Written by the authenticate phase. */
    public static final AttributeKey<ApiKey> API_KEY = AttributeKey.of("api-key", ApiKey.class);
    /** The key's owner. Written by the identify phase. */
    public static final AttributeKey<User> USER = AttributeKey.of("user", User.class);
    /** The key's team (tenant). Written by the identify phase. */
    public static final AttributeKey<Team> TEAM = AttributeKey.of("team", Team.class);
    /** The key's app (consumer). Written by the identify phase. */
    public static final AttributeKey<App> APP = AttributeKey.of("app", App.class);
    /** The app's subscription to the service. Written by the authorize phase. */
    public static final AttributeKey<Subscription> SUBSCRIPTION = AttributeKey.of("subscription", Subscription.class);
    /**
     * The model an AI call asked for. Written by the kernel before the chain runs on AI routes; a stage may replace
     * it (a policy's model rewrite): the kernel calls the model found here after the chain, provided the same
     * service offers it and the key may use it.
     */
    public static final AttributeKey<String> MODEL = AttributeKey.of("model", String.class);

    private Attributes() {
    }
}
