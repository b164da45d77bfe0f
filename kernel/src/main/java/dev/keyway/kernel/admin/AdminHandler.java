package dev.keyway.kernel.admin;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** An admin route handler: runs after authentication with the caller's {@link Principal}. */
@FunctionalInterface
interface AdminHandler {

    /** Handles one request; throw {@link AdminErrors} for expected failures. */
    void handle(ServerRequest req, ServerResponse res, Principal principal) throws Exception;
}
