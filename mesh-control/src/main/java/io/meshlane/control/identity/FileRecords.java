package io.meshlane.control.identity;

import io.meshlane.control.security.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Records as files (mode 0600, written atomically) under one directory of the data directory. */
final class FileRecords implements Records {

    private final Path dir;

    FileRecords(Path dir) {
        this.dir = dir;
    }

    @Override
    public void put(String name, String value) {
        try {
            PrivateFiles.write(dir.resolve(name), value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> get(String name) {
        try {
            return Optional.of(Files.readString(dir.resolve(name), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String name) {
        try {
            Files.delete(dir.resolve(name));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> names() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.find(dir, 2, (p, a) -> a.isRegularFile() && !p.getFileName().toString().endsWith(".tmp"))) {
            return files.map(p -> dir.relativize(p).toString().replace('\\', '/')).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String where() {
        return dir.toString();
    }
}
