package io.meshlane.installer.image;

/** An image could not be built; the message says which step and what to do. */
public final class ImageException extends RuntimeException {

    public ImageException(String message) {
        super(message);
    }
}
