package io.meshlane.lab.load;

import java.util.List;

/** A {@link LoadAgent}'s answer: one JSON line on its stdout, after the prefix "RESULT ". */
public record AgentReply(long requests, long errors, long elapsedNanos, String histogram, List<String> errorSamples,
                         String failure) {

    public static AgentReply of(LoadResult r) {
        return new AgentReply(r.requests(), r.errors(), r.elapsedNanos(), LoadResult.encode(r.latency()),
                r.errorSamples(), null);
    }

    public static AgentReply failed(String why) {
        return new AgentReply(0, 1, 0, LoadResult.encode(LoadResult.newHistogram()), List.of(why), why);
    }

    public LoadResult result() {
        return new LoadResult(requests, errors, elapsedNanos, LoadResult.decode(histogram), errorSamples);
    }
}
