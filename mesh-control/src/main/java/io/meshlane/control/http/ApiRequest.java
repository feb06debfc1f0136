package io.meshlane.control.http;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request as the API sees it, independent of the server framework: the TLS client
 * certificate (if any) and the aggregator's X-Remote-User/X-Remote-Group headers included.
 */
public record ApiRequest(String method, String path, Map<String, String> query, String contentType, String accept,
                         String authorization, byte[] body, X509Certificate clientCertificate, String remoteUser,
                         List<String> remoteGroups) {

    public ApiRequest(String method, String path, Map<String, String> query, String contentType, String accept,
                      String authorization, byte[] body) {
        this(method, path, query, contentType, accept, authorization, body, null, null, List.of());
    }
}
