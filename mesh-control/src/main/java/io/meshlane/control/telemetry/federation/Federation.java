package io.meshlane.control.telemetry.federation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The peer control planes this one merges into its view. Every query asks all peers at once and
 * waits at most the timeout; a dead or slow peer costs one timeout and shows up as an error row,
 * the local data and the other peers are answered regardless.
 */
public final class Federation {

    private static final Logger LOG = Logger.getLogger(Federation.class.getName());

    private final List<PeerClient> peers;
    private final Duration timeout;

    public Federation(List<FederationPeer> peers, Duration timeout) {
        this.peers = peers.stream().map(p -> new PeerClient(p, timeout)).toList();
        this.timeout = timeout;
    }

    public static Federation none() {
        return new Federation(List.of(), Duration.ofSeconds(1));
    }

    public boolean isEmpty() {
        return peers.isEmpty();
    }

    public List<FederationPeer> peers() {
        return peers.stream().map(PeerClient::peer).toList();
    }

    /** GETs the same telemetry path from every peer, in parallel. */
    public List<PeerAnswer> ask(String path, Map<String, String> query) {
        List<CompletableFuture<com.fasterxml.jackson.databind.JsonNode>> calls = new ArrayList<>();
        for (PeerClient peer : peers) {
            calls.add(peer.get(path, query));
        }
        List<PeerAnswer> answers = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < peers.size(); i++) {
            String name = peers.get(i).peer().name();
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                answers.add(new PeerAnswer(name, calls.get(i).get(left, TimeUnit.NANOSECONDS), ""));
            } catch (TimeoutException e) {
                calls.get(i).cancel(true);
                answers.add(failed(name, "no answer within " + timeout.toMillis() + " ms"));
            } catch (ExecutionException | CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                answers.add(failed(name, describe(cause, peers.get(i).peer())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answers.add(failed(name, "interrupted"));
            }
        }
        return answers;
    }

    /** What went wrong, in words an operator can act on (a bare ConnectException has no message). */
    private static String describe(Throwable cause, FederationPeer peer) {
        if (cause instanceof java.net.ConnectException) {
            return "cannot connect to " + peer.server() + " (connection refused): is that control plane running, and is its"
                    + " kubeconfig's server address right?";
        }
        if (cause instanceof java.net.http.HttpTimeoutException) {
            return "no answer from " + peer.server() + " within the federation timeout: the peer is overloaded or unreachable";
        }
        if (cause instanceof javax.net.ssl.SSLException) {
            return "TLS with " + peer.server() + " failed (" + cause.getMessage() + "): the peer went away mid-handshake, or its"
                    + " certificate is not signed by the CA in its kubeconfig";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() + " talking to " + peer.server() : message;
    }

    private static PeerAnswer failed(String peer, String error) {
        LOG.fine(() -> "federation peer " + peer + ": " + error);
        return new PeerAnswer(peer, null, error);
    }
}
