package dev.keyway.kernel.record;

/**
 * One call as recorded after its response: enough to find every failure of one key and to bill later. Never
 * holds a secret: keys appear by id only.
 *
 * @param requestId      the request id
 * @param startedAtMillis epoch millis when the request arrived
 * @param method         HTTP method
 * @param path           request path (no query string: queries may carry secrets)
 * @param serviceId      matched service, or null
 * @param serviceVersion matched version of the service, or null
 * @param status         status answered to the caller
 * @param errorCode      gateway error code, or null when the upstream answered
 * @param durationMicros time from arrival to the end of the response
 * @param clientAddress  client IP
 * @param upstream       the upstream base URL used, or null
 * @param keyId          the API key id, or null
 * @param userId         the key's user, or null
 * @param appId          the key's app, or null
 * @param teamId         the key's team, or null
 * @param ai             for AI calls: model, provider, deployment, tokens and cost; null otherwise
 */
public record CallRecord(String requestId, long startedAtMillis, String method, String path, String serviceId,
                         String serviceVersion, int status, String errorCode, long durationMicros, String clientAddress, String upstream,
                         String keyId, String userId, String appId, String teamId, AiCall ai) {
}
