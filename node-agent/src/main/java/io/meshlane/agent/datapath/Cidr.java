package io.meshlane.agent.datapath;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address block such as {@code 10.96.0.0/12} or {@code fd00::/8}. */
public record Cidr(InetAddress address, int prefixLength) {

    public Cidr {
        int max = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0.." + max
                    + " for " + address.getHostAddress());
        }
    }

    /** Parses {@code a.b.c.d/n} or {@code v6/n}; the error names the bad text and the expected form. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("malformed CIDR \"" + text + "\": expected address/prefix, e.g. 10.96.0.0/12");
        }
        String host = text.substring(0, slash);
        if (!host.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("malformed CIDR \"" + text + "\": \"" + host + "\" is not an IP literal");
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            int prefix = Integer.parseInt(text.substring(slash + 1));
            return new Cidr(address, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("malformed CIDR \"" + text + "\": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed CIDR \"" + text + "\": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
