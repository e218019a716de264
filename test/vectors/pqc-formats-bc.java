// Makes test/vectors/pqc-formats-bc.json: throwaway ML-KEM, ML-DSA and SLH-DSA keys as BouncyCastle (an
// independent implementation) writes them: X.509 SubjectPublicKeyInfo, PKCS#8 in each private-key form
// (ML-KEM / ML-DSA: seed, expandedKey, both; SLH-DSA: the one form), the raw keys, and one operation each.
// Read by test/kmip/pqc-formats.test.ts. Test data only: the keys protect nothing; they are random at
// each run. Made with bcprov-jdk18on 1.83 (Maven Central) on OpenJDK 17:
//
//   mvn -q dependency:get -Dartifact=org.bouncycastle:bcprov-jdk18on:1.83
//   java -Dbc.version=1.83 -cp ~/.m2/repository/org/bouncycastle/bcprov-jdk18on/1.83/bcprov-jdk18on-1.83.jar \
//     test/vectors/pqc-formats-bc.java > test/vectors/pqc-formats-bc.json
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.pqc.crypto.mldsa.*;
import org.bouncycastle.pqc.crypto.mlkem.*;
import org.bouncycastle.pqc.crypto.slhdsa.*;
import org.bouncycastle.pqc.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.pqc.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.util.encoders.Hex;

public class Gen {
    static final byte[] MESSAGE = "pqc-formats test message".getBytes();
    static final SecureRandom RNG = new SecureRandom();
    /** The jar's version, as given on the command line (the class loader sees none in its manifest). */
    static final String BC_VERSION = System.getProperty("bc.version", "1.83");

    static String q(String s) { return "\"" + s + "\""; }
    static String h(byte[] b) { return q(Hex.toHexString(b)); }

    static String pkcs8(org.bouncycastle.crypto.params.AsymmetricKeyParameter k) throws Exception {
        return h(PrivateKeyInfoFactory.createPrivateKeyInfo(k).getEncoded("DER"));
    }
    static String spki(org.bouncycastle.crypto.params.AsymmetricKeyParameter k) throws Exception {
        return h(SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(k).getEncoded("DER"));
    }

    public static void main(String[] args) throws Exception {
        List<String> cases = new ArrayList<>();
        MLKEMParameters[] kems = { MLKEMParameters.ml_kem_512, MLKEMParameters.ml_kem_768, MLKEMParameters.ml_kem_1024 };
        String[] kemNames = { "ML-KEM-512", "ML-KEM-768", "ML-KEM-1024" };
        for (int i = 0; i < kems.length; i++) {
            MLKEMKeyPairGenerator g = new MLKEMKeyPairGenerator();
            g.init(new MLKEMKeyGenerationParameters(RNG, kems[i]));
            AsymmetricCipherKeyPair kp = g.generateKeyPair();
            MLKEMPrivateKeyParameters sk = (MLKEMPrivateKeyParameters) kp.getPrivate();
            MLKEMPublicKeyParameters pk = (MLKEMPublicKeyParameters) kp.getPublic();
            SecretWithEncapsulation enc = new MLKEMGenerator(RNG).generateEncapsulated(pk);
            cases.add("{\"name\":" + q(kemNames[i]) + ",\"seed\":" + h(sk.getSeed())
                + ",\"expanded\":" + h(sk.getParametersWithFormat(MLKEMPrivateKeyParameters.EXPANDED_KEY).getEncoded())
                + ",\"publicKey\":" + h(pk.getEncoded()) + ",\"spki\":" + spki(pk)
                + ",\"pkcs8Seed\":" + pkcs8(sk.getParametersWithFormat(MLKEMPrivateKeyParameters.SEED_ONLY))
                + ",\"pkcs8Expanded\":" + pkcs8(sk.getParametersWithFormat(MLKEMPrivateKeyParameters.EXPANDED_KEY))
                + ",\"pkcs8Both\":" + pkcs8(sk.getParametersWithFormat(MLKEMPrivateKeyParameters.BOTH))
                + ",\"defaultIsBoth\":" + pkcs8(sk).equals(pkcs8(sk.getParametersWithFormat(MLKEMPrivateKeyParameters.BOTH)))
                + ",\"ciphertext\":" + h(enc.getEncapsulation()) + ",\"sharedSecret\":" + h(enc.getSecret()) + "}");
        }
        MLDSAParameters[] dsas = { MLDSAParameters.ml_dsa_44, MLDSAParameters.ml_dsa_65, MLDSAParameters.ml_dsa_87 };
        String[] dsaNames = { "ML-DSA-44", "ML-DSA-65", "ML-DSA-87" };
        for (int i = 0; i < dsas.length; i++) {
            MLDSAKeyPairGenerator g = new MLDSAKeyPairGenerator();
            g.init(new MLDSAKeyGenerationParameters(RNG, dsas[i]));
            AsymmetricCipherKeyPair kp = g.generateKeyPair();
            MLDSAPrivateKeyParameters sk = (MLDSAPrivateKeyParameters) kp.getPrivate();
            MLDSAPublicKeyParameters pk = (MLDSAPublicKeyParameters) kp.getPublic();
            MLDSASigner s = new MLDSASigner();
            s.init(true, new ParametersWithRandom(sk, RNG));
            s.update(MESSAGE, 0, MESSAGE.length);
            byte[] sig = s.generateSignature();
            cases.add("{\"name\":" + q(dsaNames[i]) + ",\"seed\":" + h(sk.getSeed())
                + ",\"expanded\":" + h(sk.getParametersWithFormat(MLDSAPrivateKeyParameters.EXPANDED_KEY).getEncoded())
                + ",\"publicKey\":" + h(pk.getEncoded()) + ",\"spki\":" + spki(pk)
                + ",\"pkcs8Seed\":" + pkcs8(sk.getParametersWithFormat(MLDSAPrivateKeyParameters.SEED_ONLY))
                + ",\"pkcs8Expanded\":" + pkcs8(sk.getParametersWithFormat(MLDSAPrivateKeyParameters.EXPANDED_KEY))
                + ",\"pkcs8Both\":" + pkcs8(sk.getParametersWithFormat(MLDSAPrivateKeyParameters.BOTH))
                + ",\"defaultIsBoth\":" + pkcs8(sk).equals(pkcs8(sk.getParametersWithFormat(MLDSAPrivateKeyParameters.BOTH)))
                + ",\"message\":" + h(MESSAGE) + ",\"signature\":" + h(sig) + "}");
        }
        SLHDSAParameters[] slhs = { SLHDSAParameters.sha2_128s, SLHDSAParameters.sha2_128f, SLHDSAParameters.sha2_192s, SLHDSAParameters.sha2_192f,
            SLHDSAParameters.sha2_256s, SLHDSAParameters.sha2_256f, SLHDSAParameters.shake_128s, SLHDSAParameters.shake_128f,
            SLHDSAParameters.shake_192s, SLHDSAParameters.shake_192f, SLHDSAParameters.shake_256s, SLHDSAParameters.shake_256f };
        String[] slhNames = { "SLH-DSA-SHA2-128s", "SLH-DSA-SHA2-128f", "SLH-DSA-SHA2-192s", "SLH-DSA-SHA2-192f", "SLH-DSA-SHA2-256s", "SLH-DSA-SHA2-256f",
            "SLH-DSA-SHAKE-128s", "SLH-DSA-SHAKE-128f", "SLH-DSA-SHAKE-192s", "SLH-DSA-SHAKE-192f", "SLH-DSA-SHAKE-256s", "SLH-DSA-SHAKE-256f" };
        for (int i = 0; i < slhs.length; i++) {
            SLHDSAKeyPairGenerator g = new SLHDSAKeyPairGenerator();
            g.init(new SLHDSAKeyGenerationParameters(RNG, slhs[i]));
            AsymmetricCipherKeyPair kp = g.generateKeyPair();
            SLHDSAPrivateKeyParameters sk = (SLHDSAPrivateKeyParameters) kp.getPrivate();
            SLHDSAPublicKeyParameters pk = (SLHDSAPublicKeyParameters) kp.getPublic();
            String op = "";
            if (slhNames[i].endsWith("128f")) { // one signature per hash family: the fast 128-bit sets
                SLHDSASigner s = new SLHDSASigner();
                s.init(true, new ParametersWithRandom(sk, RNG));
                op = ",\"message\":" + h(MESSAGE) + ",\"signature\":" + h(s.generateSignature(MESSAGE));
            }
            cases.add("{\"name\":" + q(slhNames[i]) + ",\"expanded\":" + h(sk.getEncoded())
                + ",\"publicKey\":" + h(pk.getEncoded()) + ",\"spki\":" + spki(pk)
                + ",\"pkcs8Default\":" + pkcs8(sk) + op + "}");
        }
        System.out.println("{\"source\":\"BouncyCastle lightweight API key generation and PrivateKeyInfoFactory / SubjectPublicKeyInfoFactory; test/vectors/pqc-formats-bc.java\",");
        System.out.println("\"generator\":{\"bouncycastle\":" + q(BC_VERSION) + ",\"java\":" + q(System.getProperty("java.version")) + "},");
        System.out.println("\"note\":\"Throwaway keys made for the tests: test data only, they protect nothing.\",");
        System.out.println("\"cases\":[\n" + String.join(",\n", cases) + "\n]}");
    }
}
