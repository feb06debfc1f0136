package io.meshlane.control.dashboard;

import java.nio.charset.StandardCharsets;

/** The HTML a browser gets instead of the dashboard when it cannot be let in, saying what to do. */
final class SignInPage {

    private SignInPage() {
    }

    static byte[] render(String headline, String detail) {
        String html = """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
                <meta name="viewport" content="width=device-width, initial-scale=1"><title>meshlane · sign in</title>
                <style>body{font:15px/1.5 system-ui,sans-serif;background:#0b1220;color:#e2e8f0;max-width:46rem;margin:4rem auto;padding:0 1rem}
                h1{font-size:1.3rem}code{background:#1e293b;padding:.1rem .35rem;border-radius:4px}.why{color:#fca5a5}</style></head>
                <body><main><h1>%s</h1><p class="why">%s</p>
                <p>Open the link printed by <code>meshlane up</code> or <code>meshlane control</code>: it ends in
                <code>/dashboard/?token=…</code> and signs this browser in for the session.</p>
                <p>The token is the one in the control plane's kubeconfig, also kept in <code>&lt;data-dir&gt;/token</code>
                (by default <code>~/.meshlane/token</code>); another user's token from <code>access.yaml</code> works as well.</p>
                </main></body></html>
                """.formatted(escape(headline), escape(detail));
        return html.getBytes(StandardCharsets.UTF_8);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
