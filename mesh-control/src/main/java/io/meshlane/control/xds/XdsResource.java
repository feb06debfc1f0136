package io.meshlane.control.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import java.util.zip.CRC32C;

/** A translated resource ready to send: its name, the packed message and a content version (a digest). */
record XdsResource(String name, Any any, String version) {

    static XdsResource of(String name, Message message) {
        Any any = Any.pack(message);
        CRC32C crc = new CRC32C();
        crc.update(any.getValue().asReadOnlyByteBuffer());
        return new XdsResource(name, any, Long.toHexString(crc.getValue()) + "-" + Integer.toHexString(any.getValue().size()));
    }
}
