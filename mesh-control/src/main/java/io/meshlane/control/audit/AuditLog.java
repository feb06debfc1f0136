package io.meshlane.control.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.http.Json;
import io.meshlane.control.security.AccessFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * The API's audit trail: one JSON line per write and per refused request (401, 403, 429), and per
 * read too when asked; readable by the owner only; rotated by size ({@code audit.log.1} is the
 * newest old file). Configured by {@code audit} in access.yaml:
 * <pre>
 * audit:
 *   path: /var/log/meshlane/audit.log   # default: &lt;data-dir&gt;/audit.log
 *   maxSizeMB: 100                      # rotate when a file would grow past this
 *   maxBackups: 5                       # rotated files kept
 *   reads: false                        # also record get, list and watch
 * </pre>
 * A failing disk does not fail requests: the first write error is logged, later ones are counted.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());

    private final Path file;
    private final long maxBytes;
    private final int maxBackups;
    private final boolean reads;
    private OutputStream out;
    private long size;
    private long failures;

    private AuditLog(Path file, long maxBytes, int maxBackups, boolean reads) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.maxBackups = maxBackups;
        this.reads = reads;
    }

    public static AuditLog open(Path dataDir, AccessFile access) {
        JsonNode config = access.section("audit");
        Path file = config.hasNonNull("path") ? Path.of(config.get("path").asText()) : dataDir.resolve("audit.log");
        long maxMb = config.path("maxSizeMB").asLong(100);
        int backups = config.path("maxBackups").asInt(5);
        if (maxMb < 1 || backups < 0) {
            throw access.invalid("audit.maxSizeMB must be at least 1 and audit.maxBackups at least 0");
        }
        try {
            return open(file, maxMb * 1024 * 1024, backups, config.path("reads").asBoolean(false));
        } catch (IOException e) {
            throw access.invalid("cannot write the audit log " + file + ": " + e.getMessage());
        }
    }

    static AuditLog open(Path file, long maxBytes, int maxBackups, boolean reads) throws IOException {
        AuditLog log = new AuditLog(file, maxBytes, maxBackups, reads);
        log.openFile();
        return log;
    }

    public Path file() {
        return file;
    }

    /** Whether a request with this verb and answer is recorded. */
    private boolean records(String verb, int code) {
        return reads || code == 401 || code == 403 || code == 429 || !(verb.equals("get") || verb.equals("list") || verb.equals("watch"));
    }

    public void record(AuditEvent event) {
        if (!records(event.verb(), event.code())) {
            return;
        }
        byte[] line = (Json.string(event.toJson(Instant.now())) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                if (size + line.length > maxBytes && size > 0) {
                    rotate();
                }
                out.write(line);
                out.flush();
                size += line.length;
            } catch (IOException e) {
                if (failures++ == 0) {
                    LOG.warning("cannot write the audit log " + file + " (" + e.getMessage() + "); requests are still served");
                }
            }
        }
    }

    private void openFile() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        out = Files.newOutputStream(file, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(backup(maxBackups));
        for (int i = maxBackups - 1; i >= 1; i--) {
            if (Files.exists(backup(i))) {
                Files.move(backup(i), backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (maxBackups > 0) {
            Files.move(file, backup(1), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.delete(file);
        }
        openFile();
    }

    private Path backup(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            LOG.fine("closing the audit log: " + e.getMessage());
        }
    }
}
