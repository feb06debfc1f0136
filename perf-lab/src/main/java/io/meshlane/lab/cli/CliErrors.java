package io.meshlane.lab.cli;

import io.meshlane.lab.node.LabException;
import io.meshlane.lab.spec.LabSpecException;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** Turns the lab's own errors into a message and exit status 1 instead of a stack trace. */
final class CliErrors {
    private CliErrors() {
    }

    static int guard(CommandSpec spec, Callable<Integer> body) {
        try {
            return body.call();
        } catch (LabSpecException | LabException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
