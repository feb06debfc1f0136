package io.meshlane.control.crd;

/** An additionalPrinterColumns entry: how {@code kubectl get} shows one value of an object. */
public record PrinterColumn(String name, String type, String format, String description, int priority, String jsonPath) {
}
