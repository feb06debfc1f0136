package io.meshlane.control.identity;

import java.security.PublicKey;
import java.util.Optional;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * An agent's PKCS#10 request, checked: it parses, is signed by the key it carries (so the
 * caller holds that key), and says which node it names, if any. Only its key is used: the
 * issued name comes from the join token or the caller's certificate, never from the request.
 */
record SigningRequest(PublicKey publicKey, Optional<String> commonName) {

    /** Whether the request's subject names a node other than {@code node} (a request naming none asks for nothing else). */
    boolean namesAnotherNode(String node) {
        return commonName.isPresent() && !commonName.get().equals(node);
    }

    static SigningRequest parse(byte[] der) {
        if (der == null || der.length == 0) {
            throw new IllegalArgumentException("the request carries no certificate signing request (csr)");
        }
        try {
            JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest(der);
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the certificate signing request's signature does not match its key");
            }
            RDN[] cn = request.getSubject().getRDNs(BCStyle.CN);
            return new SigningRequest(request.getPublicKey(),
                    cn.length == 0 ? Optional.empty() : Optional.of(IETFUtils.valueToString(cn[0].getFirst().getValue())));
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("the certificate signing request is not PKCS#10 DER: " + e.getMessage(), e);
        }
    }
}
