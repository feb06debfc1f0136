package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import java.io.IOException;
import java.util.Arrays;

/**
 * kubectl sends built-in kinds as Kubernetes protobuf ({@code k8s\0} + runtime.Unknown). The only
 * built-in kind with a body here is core/v1 Namespace, so this decodes exactly that: its
 * metadata (name, generateName, labels, annotations, finalizers) and spec.finalizers.
 */
final class ProtobufBodies {

    private static final byte[] MAGIC = {'k', '8', 's', 0};

    private ProtobufBodies() {
    }

    static ObjectNode namespace(byte[] body) {
        if (body == null || body.length < 4 || !Arrays.equals(Arrays.copyOf(body, 4), MAGIC)) {
            throw ApiError.badRequest("the protobuf body does not start with the Kubernetes envelope (k8s\\0); send JSON instead");
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(body, 4, body.length - 4);
            String kind = "";
            ByteString raw = ByteString.EMPTY;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag >>> 3) {
                    case 1 -> {
                        CodedInputStream type = in.readBytes().newCodedInput();
                        for (int t = type.readTag(); t != 0; t = type.readTag()) {
                            if (t >>> 3 == 2) {
                                kind = type.readString();
                            } else {
                                type.skipField(t);
                            }
                        }
                    }
                    case 2 -> raw = in.readBytes();
                    default -> in.skipField(tag);
                }
            }
            if (!kind.isEmpty() && !kind.equals("Namespace")) {
                throw ApiError.unsupportedMediaType("protobuf bodies are only understood for Namespace, not " + kind + "; send JSON");
            }
            return decodeNamespace(raw.newCodedInput());
        } catch (IOException e) {
            throw ApiError.badRequest("the protobuf body is malformed: " + e.getMessage() + "; send JSON instead");
        }
    }

    private static ObjectNode decodeNamespace(CodedInputStream in) throws IOException {
        ObjectNode ns = Json.object().put("apiVersion", "v1").put("kind", "Namespace");
        ObjectNode meta = ns.putObject("metadata");
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> decodeMeta(in.readBytes().newCodedInput(), meta);
                case 2 -> {
                    CodedInputStream spec = in.readBytes().newCodedInput();
                    for (int t = spec.readTag(); t != 0; t = spec.readTag()) {
                        if (t >>> 3 == 1) {
                            ObjectNode s = ns.has("spec") ? (ObjectNode) ns.get("spec") : ns.putObject("spec");
                            (s.has("finalizers") ? (com.fasterxml.jackson.databind.node.ArrayNode) s.get("finalizers") : s.putArray("finalizers")).add(spec.readString());
                        } else {
                            spec.skipField(t);
                        }
                    }
                }
                default -> in.skipField(tag);
            }
        }
        return ns;
    }

    private static void decodeMeta(CodedInputStream in, ObjectNode meta) throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> meta.put("name", in.readString());
                case 2 -> meta.put("generateName", in.readString());
                case 3 -> meta.put("namespace", in.readString());
                case 6 -> meta.put("resourceVersion", in.readString());
                case 11 -> entry(in.readBytes().newCodedInput(), meta.has("labels") ? (ObjectNode) meta.get("labels") : meta.putObject("labels"));
                case 12 -> entry(in.readBytes().newCodedInput(), meta.has("annotations") ? (ObjectNode) meta.get("annotations") : meta.putObject("annotations"));
                case 14 -> (meta.has("finalizers") ? (com.fasterxml.jackson.databind.node.ArrayNode) meta.get("finalizers") : meta.putArray("finalizers")).add(in.readString());
                default -> in.skipField(tag);
            }
        }
    }

    private static void entry(CodedInputStream in, ObjectNode map) throws IOException {
        String key = "";
        String value = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == 1) {
                key = in.readString();
            } else if (tag >>> 3 == 2) {
                value = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        map.put(key, value);
    }
}
