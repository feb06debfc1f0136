package io.meshlane.agent.cli;

import io.meshlane.agent.bpf.BpfException;
import io.meshlane.agent.datapath.DatapathException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Prints datapath and libbpf failures as one clear line instead of a stack trace. */
public final class UserErrorHandler implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) throws Exception {
        if (e instanceof DatapathException || e instanceof BpfException) {
            cmd.getErr().println("meshlane: " + e.getMessage());
            return 2;
        }
        throw e;
    }
}
