#!/usr/bin/env python3
# Bad input, table-driven.  Every case builds its own malformed input in its own
# directory (from a gcc-built ELF, sign-file output and openssl cms shapes),
# runs one modguard command and checks:
#   - the exit code (1 bad content, 2 usage or I/O);
#   - verify: the stdout line "FILE: FAIL <token>: <message>" and the same
#     token in --json; other commands: "modguard CMD: FILE: <message>" on stderr
#     with an expected fragment;
#   - nothing was left behind or changed: the case directory has the same
#     files with the same SHA-256 after the command (no temp files, the
#     original unchanged, no -o output).
# Usage: bad_input.py MODGUARD
import hashlib
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

MG = os.path.realpath(sys.argv[1])
SIGN_FILE = os.environ.get("SIGN_FILE", "/usr/lib/linux-kbuild-6.1/scripts/sign-file")
MAGIC = b"~Module signature appended~\n"

T = tempfile.mkdtemp(prefix="mg-bad-", dir=os.environ.get("TMPDIR", "/tmp"))
MOUNTS = []
npass = nfail = nskip = ntest = 0


def cleanup():
    for m in reversed(MOUNTS):
        subprocess.run(["umount", m], stderr=subprocess.DEVNULL)
    for root, dirs, _ in os.walk(T):
        for d in dirs:
            try:
                os.chmod(os.path.join(root, d), 0o755)
            except OSError:
                pass
    shutil.rmtree(T, ignore_errors=True)


def sh(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw).stdout


def ok(desc):
    global npass, ntest
    ntest += 1
    npass += 1
    print(f"ok {ntest} - {desc}", flush=True)


def not_ok(desc, why):
    global nfail, ntest
    ntest += 1
    nfail += 1
    print(f"not ok {ntest} - {desc}", flush=True)
    for line in why.splitlines()[:12]:
        print(f"#   {line}")


def skip(desc, why):
    global nskip, ntest
    ntest += 1
    nskip += 1
    print(f"ok {ntest} - {desc} # SKIP {why}", flush=True)


# ---- fixtures ---------------------------------------------------------------

def openssl_key(prefix, cn, ext_ca=False, ec=False, serial=None, key=None):
    newkey = ["-key", key] if key else (
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] if ec else ["-newkey", "rsa:2048"])
    args = ["openssl", "req", "-new", "-x509", "-nodes", "-sha256", "-days", "30", *newkey,
            "-subj", f"/CN={cn}", "-out", prefix + ".crt",
            "-addext", "basicConstraints=critical," + ("CA:TRUE" if ext_ca else "CA:FALSE"),
            "-addext", "keyUsage=" + ("keyCertSign,digitalSignature" if ext_ca else "digitalSignature"),
            "-addext", "subjectKeyIdentifier=hash"]
    if not key:
        args += ["-keyout", prefix + ".key"]
    if serial:
        args += ["-set_serial", serial]
    sh(*args)
    return prefix + ".key" if not key else key, prefix + ".crt"


def dated_cert(prefix, key, cn, start, end, serial="0x42"):
    """A certificate for key with a chosen validity window (openssl ca -selfsign)."""
    d = prefix + ".ca"
    os.makedirs(d)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write(serial[2:] if serial.startswith("0x") else serial)
        f.write("\n")
    cnf = os.path.join(d, "ca.cnf")
    with open(cnf, "w") as f:
        f.write(f"""[ca]
default_ca = d
[d]
database = {d}/index.txt
serial = {d}/serial
new_certs_dir = {d}
default_md = sha256
policy = p
x509_extensions = ext
unique_subject = no
[p]
commonName = supplied
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature
subjectKeyIdentifier = hash
""")
    sh("openssl", "req", "-new", "-key", key, "-subj", f"/CN={cn}", "-out", prefix + ".csr")
    sh("openssl", "ca", "-batch", "-config", cnf, "-selfsign", "-keyfile", key, "-in", prefix + ".csr",
       "-out", prefix + ".crt", "-startdate", start, "-enddate", end, "-notext")
    return prefix + ".crt"


def sign_file(hash_, key, crt, src, dst):
    sh(SIGN_FILE, hash_, key, crt, src, dst)


def split_signed(data):
    assert data.endswith(MAGIC)
    sig_len = struct.unpack(">I", data[-40 + 8:-28])[0]
    body_len = len(data) - 40 - sig_len
    return data[:body_len], data[body_len:body_len + sig_len]


def info(sig_len, id_type=2, algo=0, hash_=0, signer_len=0, key_id_len=0, pad=b"\0\0\0"):
    return struct.pack(">BBBBB3sI", algo, hash_, id_type, signer_len, key_id_len, pad, sig_len)


def assemble(body, blob, **kw):
    return body + blob + info(len(blob), **kw) + MAGIC


def cms_sign(body_path, out, signers, extra=()):
    args = ["openssl", "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
            "-in", body_path, "-out", out, *extra]
    for crt, key in signers:
        args += ["-signer", crt, "-inkey", key]
    sh(*args)
    return open(out, "rb").read()


def main():
    fx = os.path.join(T, "fixtures")
    os.makedirs(fx)
    src = os.path.join(fx, "m.c")
    with open(src, "w") as f:
        f.write('__attribute__((section(".modinfo"), used)) static const char l[] = "license=GPL";\n'
                "__attribute__((used)) static const char pad[6000] = { 1, 2, 3 };\n"
                "int mg_bad(int x) { return x + 1; }\n")
    body_path = os.path.join(fx, "m.ko")
    sh("gcc", "-c", "-O2", "-o", body_path, src)
    body = open(body_path, "rb").read()

    ka, ca = openssl_key(os.path.join(fx, "a"), "trusted key")
    kb, cb = openssl_key(os.path.join(fx, "b"), "untrusted key")
    # Same subject and serial as the trusted certificate, different key.
    serial_a = "0x" + sh("openssl", "x509", "-in", ca, "-noout", "-serial").decode().strip().split("=")[1]
    _, ca_wrong = openssl_key(os.path.join(fx, "wrong"), "trusted key", serial=serial_a, key=kb)
    kca, cca = openssl_key(os.path.join(fx, "ca"), "a CA", ext_ca=True)
    c_expired = dated_cert(os.path.join(fx, "expired"), ka, "expired key", "20200101000000Z",
                           "20200201000000Z")
    c_future = dated_cert(os.path.join(fx, "future"), ka, "future key", "20991201000000Z",
                          "21000101000000Z", serial="0x43")
    garbage_crt = os.path.join(fx, "garbage.crt")
    with open(garbage_crt, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
    garbage_key = os.path.join(fx, "garbage.key")
    with open(garbage_key, "w") as f:
        f.write("this is not a key\n")

    def signed_with(hash_, key, crt, data=body):
        p = os.path.join(fx, "in.tmp")
        o = os.path.join(fx, "out.tmp")
        with open(p, "wb") as f:
            f.write(data)
        sign_file(hash_, key, crt, p, o)
        r = open(o, "rb").read()
        os.unlink(p)
        os.unlink(o)
        return r

    good = signed_with("sha256", ka, ca)
    _, blob = split_signed(good)
    assert assemble(body, blob) == good  # our trailer builder agrees with sign-file

    # PKCS#7 shapes from openssl cms.  The control shape (detached, no certs, no
    # attributes) must verify, so each variant differs in one property only.
    cms_dir = os.path.join(fx, "cms")
    os.makedirs(cms_dir)
    kernel_shape = ["-nocerts", "-noattr", "-nosmimecap"]
    p7_control = cms_sign(body_path, os.path.join(cms_dir, "control"), [(ca, ka)], kernel_shape)
    p7_embedded = cms_sign(body_path, os.path.join(cms_dir, "embedded"), [(ca, ka)],
                           kernel_shape + ["-nodetach"])
    p7_attrs = cms_sign(body_path, os.path.join(cms_dir, "attrs"), [(ca, ka)], ["-nocerts"])
    p7_two = cms_sign(body_path, os.path.join(cms_dir, "two"), [(ca, ka), (cb, kb)], kernel_shape)
    p7_enveloped = sh("openssl", "cms", "-encrypt", "-binary", "-aes256", "-outform", "DER",
                      "-in", body_path, ca)
    p7_digested = sh("openssl", "cms", "-digest_create", "-binary", "-outform", "DER",
                     "-in", body_path)
    sha1_signed = signed_with("sha1", ka, ca)
    sha224_signed = signed_with("sha224", ka, ca)
    md5_signed = None
    try:
        md5_signed = signed_with("md5", ka, ca)
    except subprocess.CalledProcessError:
        pass
    unknown_signed = signed_with("sha256", kb, cb)
    # An untrusted signer whose issuer CN carries a newline and a forged verdict line:
    # the issuer name is outside what the signature covers, so patch it in.
    _, c_inject = openssl_key(os.path.join(fx, "inject"), "evilXforged.ko: OK signer=trusted key hash=sha256",
                              key=kb)
    inject = bytearray(signed_with("sha256", kb, c_inject))
    at = bytes(inject).rindex(b"evilX") + 4
    inject[at] = 0x0a
    inject = bytes(inject)
    wrongkey_signed = signed_with("sha256", kb, ca_wrong)
    not_elf = signed_with("sha256", ka, ca, data=b"#!/bin/sh\necho this is not an ELF module\n" * 20)

    def flip(data, off):
        b = bytearray(data)
        b[off] ^= 0x01
        return bytes(b)

    def compress(tool, data):
        return subprocess.run(tool, input=data, check=True, stdout=subprocess.PIPE).stdout

    gz = compress(["gzip", "-9", "-n"], good)
    xz = compress(["xz", "--check=crc32", "--lzma2=dict=1MiB"], good)
    zst = compress(["zstd", "-q", "-19"], good)
    # 600 MiB of zeros is over the 512 MiB cap; the streams themselves are small.
    bomb = {}
    zeros = b"\0" * (600 << 20)
    bomb["gz"] = compress(["gzip", "-1"], zeros)
    bomb["xz"] = compress(["xz", "-T2", "-0", "--check=crc32"], zeros)
    bomb["zst"] = compress(["zstd", "-q", "-1"], zeros)
    del zeros

    deny_mod = os.path.join(fx, "deny-module.list")
    with open(deny_mod, "w") as f:
        f.write("# revoked\nmodule %s\n" % hashlib.sha256(good).hexdigest())
    der_a = sh("openssl", "x509", "-in", ca, "-outform", "DER")
    deny_cert = os.path.join(fx, "deny-cert.list")
    with open(deny_cert, "w") as f:
        f.write("cert %s\n" % hashlib.sha256(der_a).hexdigest())
    # A compressed module may be denied by the digest of the file as shipped or of its image.
    deny_xz_file = os.path.join(fx, "deny-xz-file.list")
    deny_xz_image = os.path.join(fx, "deny-xz-image.list")
    bad_deny = os.path.join(fx, "bad.list")
    with open(bad_deny, "w") as f:
        f.write("module 1234\n")

    with open(deny_xz_file, "w") as f:
        f.write("module %s\n" % hashlib.sha256(xz).hexdigest())
    with open(deny_xz_image, "w") as f:
        f.write("module %s\n" % hashlib.sha256(good).hexdigest())

    # ---- the table -----------------------------------------------------------
    # (name, file content or special, command, exit code, verify token or stderr regex)
    V = "verify"
    cases = []

    def vcase(name, data, token, rc=1, extra=(), fname="m.ko"):
        cases.append((name, V, data, fname, list(extra), rc, token))

    def ccase(name, cmd, data, rc, pattern, extra=(), fname="m.ko"):
        cases.append((name, cmd, data, fname, list(extra), rc, pattern))

    L = len(blob)
    # Containers and trailers.
    # Content is checked as an ELF module before its trailer is looked at.
    vcase("empty file", b"", "not-elf")
    vcase("not ELF, unsigned text", b"hello world\n" * 10, "not-elf")
    vcase("not ELF, signed by sign-file", not_elf, "not-elf")
    vcase("unsigned ELF", body, "unsigned")
    vcase("marker truncated by one byte", good[:-1], "unsigned")
    vcase("marker with one byte changed", good[:-2] + b"X\n", "unsigned")
    vcase("marker only", MAGIC, "not-elf")
    vcase("ELF header and marker, no room for the info", body[:64] + MAGIC[:0] + b"\0" * 6 + MAGIC, "bad-trailer")
    vcase("ELF body and marker only (info read from zeroed body bytes)", body + b"\0" * 12 + MAGIC, "bad-trailer")
    vcase("sig_len 0", body + info(0) + MAGIC, "bad-trailer|bad-pkcs7")
    vcase("sig_len larger than file", body + blob + info(len(body) + L + 100) + MAGIC, "bad-trailer")
    vcase("sig_len 0xffffffff", body + blob + info(0xffffffff) + MAGIC, "bad-trailer")
    vcase("sig_len covers the whole body", body + blob + info(len(body) + L) + MAGIC, "bad-trailer")
    vcase("sig_len one short (blob off by one)", body + blob + info(L - 1) + MAGIC, "bad-pkcs7")
    vcase("sig_len one long (blob off by one)", body + blob + info(L + 1) + MAGIC, "bad-pkcs7")
    vcase("sig_len little-endian", body + blob + struct.pack("<BBBBB3sI", 0, 0, 2, 0, 0, b"\0\0\0", L)
          + MAGIC, "bad-trailer")
    vcase("id_type 0 (PGP)", assemble(body, blob, id_type=0), "bad-trailer")
    vcase("id_type 1 (X.509)", assemble(body, blob, id_type=1), "bad-trailer")
    vcase("id_type 3", assemble(body, blob, id_type=3), "bad-trailer")
    vcase("algo non-zero", assemble(body, blob, algo=1), "bad-trailer")
    vcase("hash non-zero", assemble(body, blob, hash_=4), "bad-trailer")
    vcase("signer_len non-zero", assemble(body, blob, signer_len=5), "bad-trailer")
    vcase("key_id_len non-zero", assemble(body, blob, key_id_len=20), "bad-trailer")
    vcase("reserved pad byte 0 non-zero", assemble(body, blob, pad=b"\1\0\0"), "bad-trailer")
    vcase("reserved pad byte 2 non-zero", assemble(body, blob, pad=b"\0\0\x80"), "bad-trailer")
    # PKCS#7 shapes.
    vcase("control: openssl cms in the kernel's shape verifies", assemble(body, p7_control), None, rc=0)
    vcase("PKCS#7 not DER (random bytes)", assemble(body, os.urandom(300)), "bad-pkcs7")
    vcase("PKCS#7 not DER (PEM text)", assemble(body, b"-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n"),
          "bad-pkcs7")
    vcase("PKCS#7 truncated", assemble(body, blob[:-20]), "bad-pkcs7")
    vcase("PKCS#7 blob over the 64 KiB cap", assemble(body, blob + b"\0" * (65536 - L + 1)), "too-big")
    vcase("PKCS#7 with trailing bytes", assemble(body, blob + b"\0\0\0\0"), "bad-pkcs7")
    vcase("PKCS#7 outer length byte corrupted", assemble(body, blob[:2] + bytes([blob[2] ^ 0x40]) + blob[3:]),
          "bad-pkcs7")
    vcase("PKCS#7 with embedded content", assemble(body, p7_embedded), "embedded-content")
    vcase("PKCS#7 with signed attributes", assemble(body, p7_attrs), "signed-attributes")
    vcase("PKCS#7 with two signers", assemble(body, p7_two), "signer-count")
    vcase("CMS EnvelopedData instead of SignedData", assemble(body, p7_enveloped), "bad-pkcs7")
    vcase("CMS DigestedData instead of SignedData", assemble(body, p7_digested), "bad-pkcs7")
    # Cryptographic failures.
    vcase("unknown signer", unknown_signed, "unknown-signer")
    vcase("unknown signer whose issuer CN holds a newline (one output line)", inject, "unknown-signer")
    vcase("digest mismatch: one body byte flipped", flip(good, 100), "bad-signature")
    vcase("digest mismatch: last body byte flipped", flip(good, len(body) - 1), "bad-signature")
    vcase("signature value byte flipped", flip(good, len(body) + L - 1), "bad-signature")
    vcase("wrong key (same issuer and serial)", wrongkey_signed, "bad-signature")
    # The trusted key shares its issuer and serial with another trusted certificate:
    # found whichever comes first.
    cases.append(("same issuer and serial twice in the trust store, wrong one first", V, good, "m.ko",
                  ["-C", ca_wrong, "-C", ca], 0, None))
    cases.append(("same issuer and serial twice in the trust store, right one first", V, good, "m.ko",
                  ["-C", ca, "-C", ca_wrong], 0, None))
    vcase("SHA-1 refused without --allow-sha1", sha1_signed, "hash-algo")
    vcase("SHA-1 accepted with --allow-sha1", sha1_signed, None, rc=0, extra=["--allow-sha1"])
    vcase("SHA-224 refused", sha224_signed, "hash-algo")
    if md5_signed:
        vcase("MD5 refused", md5_signed, "hash-algo")
    vcase("module on the deny list", good, "revoked-module", extra=["--deny", deny_mod])
    vcase("signer certificate on the deny list", good, "revoked-key", extra=["--deny", deny_cert])
    # Trust store certificates that must not be used.
    # sign-file does not look at validity dates, so it makes the signed modules.
    cases.append(("trusted certificate expired", V, signed_with("sha256", ka, c_expired), "m.ko",
                  ["-C", c_expired], 1, "bad-cert"))
    cases.append(("trusted certificate not yet valid", V, signed_with("sha256", ka, c_future), "m.ko",
                  ["-C", c_future], 1, "bad-cert"))
    # Compression.
    vcase("control: gzip module verifies", gz, None, rc=0, fname="m.ko.gz")
    vcase("gzip truncated", gz[:len(gz) // 2], "bad-compression", fname="m.ko.gz")
    vcase("gzip CRC byte flipped", flip(gz, len(gz) - 6), "bad-compression", fname="m.ko.gz")
    vcase("gzip magic only", gz[:2], "bad-compression", fname="m.ko.gz")
    vcase("xz truncated", xz[:-9], "bad-compression", fname="m.ko.xz")
    vcase("xz data byte flipped", flip(xz, len(xz) // 2), "bad-compression", fname="m.ko.xz")
    vcase("xz module denied by the digest of the file", xz, "revoked-module", extra=["--deny", deny_xz_file],
          fname="m.ko.xz")
    vcase("xz module denied by the digest of its image", xz, "revoked-module", extra=["--deny", deny_xz_image],
          fname="m.ko.xz")
    vcase("zstd truncated", zst[:len(zst) - 7], "bad-compression", fname="m.ko.zst")
    vcase("zstd garbage after magic", zst[:4] + b"\xff" * 64, "bad-compression", fname="m.ko.zst")
    vcase("gzip bomb (600 MiB of zeros)", bomb["gz"], "decompression-bomb", fname="m.ko.gz")
    vcase("xz bomb (600 MiB of zeros)", bomb["xz"], "decompression-bomb", fname="m.ko.xz")
    vcase("zstd bomb (600 MiB of zeros)", bomb["zst"], "decompression-bomb", fname="m.ko.zst")
    # File types.
    vcase("directory as input", "DIR", "io", rc=2)
    vcase("symlink as input", "SYMLINK", "io", rc=2)
    vcase("FIFO as input", "FIFO", "io", rc=2)
    vcase("character device as input", "/dev/null", "io", rc=2)
    vcase("missing file", "MISSING", "io", rc=2)
    vcase("over the 512 MiB size cap (sparse)", "SPARSE", "too-big", rc=1)
    # Usage errors (exit 2, message on stderr).
    ccase("verify without -C", V, good, 2, r"modguard verify: .*-C", extra=["NO-C"])
    ccase("verify with a garbage certificate", V, good, 2, r"modguard verify: .*X\.509", extra=["-C", garbage_crt])
    ccase("verify with a missing certificate path", V, good, 2, r"modguard verify: .*(No such file|cannot)",
          extra=["-C", os.path.join(fx, "nope.crt")])
    ccase("verify with a malformed deny list", V, good, 2, r"modguard verify: .*bad\.list",
          extra=["--deny", bad_deny])
    ccase("verify with an unknown option", V, good, 2, r"(modguard )?verify: .*(unrecognized|unknown|invalid)",
          extra=["--bogus"])
    ccase("verify -j 0", V, good, 2, r"modguard verify: .*-j", extra=["-j", "0"])
    # sign: the original must stay byte-identical on every failure.
    S = "sign"
    ccase("sign an empty file", S, b"", 1, r"modguard sign: {f}: .*empty")
    ccase("sign a non-ELF file", S, b"plain text\n" * 50, 1, r"modguard sign: {f}: .*ELF")
    # A signing key or certificate that cannot be used is a configuration error: exit 2.
    ccase("sign with a garbage certificate", S, body, 2, r"modguard sign: .*X\.509",
          extra=["-k", ka, "-c", garbage_crt])
    ccase("sign with a garbage key", S, body, 2, r"modguard sign: .*private key",
          extra=["-k", garbage_key, "-c", ca])
    ccase("sign with a key that does not match the certificate", S, body, 2, r"modguard sign: .*does not match",
          extra=["-k", kb, "-c", ca])
    ccase("sign with a CA certificate", S, body, 2, r"modguard sign: .*CA", extra=["-k", kca, "-c", cca])
    ccase("sign with an expired certificate", S, body, 2, r"modguard sign: .*expired",
          extra=["-k", ka, "-c", c_expired])
    ccase("sign with an unknown hash", S, body, 2, r"modguard sign: .*md4", extra=["-a", "md4"])
    ccase("sign with SHA-1 (verify-only)", S, body, 2, r"modguard sign: .*(sha1|SHA-1)", extra=["-a", "sha1"])
    ccase("sign a corrupt gzip module", S, gz[:len(gz) // 2], 1, r"modguard sign: {f}: ", fname="m.ko.gz")
    ccase("sign a zstd bomb", S, bomb["zst"], 1, r"modguard sign: {f}: ", fname="m.ko.zst")
    ccase("sign a directory", S, "DIR", 2, r"modguard sign: {f}: .*directory")
    ccase("sign through a symlink", S, "SYMLINK", 2, r"modguard sign: {f}: ")
    ccase("sign a FIFO", S, "FIFO", 2, r"modguard sign: {f}: .*regular")
    ccase("sign a missing file", S, "MISSING", 2, r"modguard sign: {f}: .*No such file")
    ccase("sign -o into a missing directory", S, body, 2, r"modguard sign: .*",
          extra=["-o", "{d}/no/such/dir/out.ko"])
    ccase("sign -o onto a directory", S, body, 2, r"modguard sign: .*", extra=["-o", "{d}/outdir"])
    ccase("sign -o into a read-only directory", S, body, 2, r"modguard sign: .*(Read-only|Permission)",
          extra=["-o", "{ro}/out.ko"])
    ccase("sign in place on a full file system", S, "FULL", 2, r"modguard sign: {f}: .*(No space|space)")
    ccase("sign -o onto a full file system", S, body, 2, r"modguard sign: .*(No space|space)",
          extra=["-o", "{full}/out.ko"])
    # strip and info.
    ccase("strip a malformed trailer", "strip", assemble(body, blob, id_type=1), 1, r"modguard strip: {f}: ")
    ccase("strip with sig_len past the start of the file", "strip", body + blob + info(len(body) + L + 1) + MAGIC,
          1, r"modguard strip: {f}: ")
    ccase("strip through a symlink", "strip", "SYMLINK", 2, r"modguard strip: {f}: ")
    ccase("strip on a full file system", "strip", "FULL", 2, r"modguard strip: {f}: .*(No space|space)")
    ccase("info on an unsigned module", "info", body, 1, r"modguard info: {f}: .*(not signed|unsigned|no signature)")
    ccase("info on a malformed trailer", "info", assemble(body, blob, id_type=0), 1, r"modguard info: {f}: ")
    ccase("info on a non-DER blob", "info", assemble(body, os.urandom(200)), 1, r"modguard info: {f}: ")
    ccase("info on a directory", "info", "DIR", 2, r"modguard info: {f}: .*directory")

    # A read-only and a nearly full file system (tmpfs), when this host lets us mount.
    ro = os.path.join(T, "ro")
    full = os.path.join(T, "full")
    can_mount = True
    for m, opts in ((ro, "ro,size=1m"), (full, "size=1m")):
        os.makedirs(m)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "mg-test", m],
                          stderr=subprocess.DEVNULL).returncode != 0:
            can_mount = False
            break
        MOUNTS.append(m)

    def fill(path):
        """Fill the file system holding path until not one more byte fits."""
        for name, chunk in (("filler", 4096), ("filler2", 1)):
            fd = os.open(os.path.join(path, name), os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
            finally:
                os.close(fd)

    big_sparse = None
    for i, (name, cmd, data, fname, extra, want_rc, want) in enumerate(cases):
        d = os.path.join(T, "c%03d" % i)
        os.makedirs(d)
        os.makedirs(os.path.join(d, "outdir"))
        f = os.path.join(d, fname)
        if "{ro}" in " ".join(extra) or "{full}" in " ".join(extra) or data == "FULL":
            if not can_mount:
                skip(name, "cannot mount tmpfs here")
                continue
        if data == "FULL":
            # The module lives on the small tmpfs; signing it needs room for a temp copy.
            fd = os.path.join(full, "c%03d" % i)
            os.makedirs(fd)
            f = os.path.join(fd, fname)
            with open(f, "wb") as fh:
                fh.write(good if cmd == "strip" else body)
            fill(fd)
            d = fd
        elif data == "DIR":
            os.makedirs(f)
        elif data == "SYMLINK":
            target = os.path.join(d, "target.ko")
            with open(target, "wb") as fh:
                fh.write(good if cmd != "sign" else body)
            os.symlink(target, f)
        elif data == "FIFO":
            os.mkfifo(f)
        elif data == "MISSING":
            pass
        elif data == "SPARSE":
            with open(f, "wb") as fh:
                fh.truncate((512 << 20) + 4096)
            big_sparse = f
        elif isinstance(data, str):
            f = data  # an existing path such as /dev/null
        else:
            with open(f, "wb") as fh:
                fh.write(data)
        uses_full = "{full}" in " ".join(extra)
        if uses_full:
            fill(full)
        extra = [e.format(d=d, ro=ro, full=full) for e in extra]
        if cmd == V:
            if extra[:1] == ["NO-C"]:
                argv = [MG, V, f]
            elif "-C" in extra:
                argv = [MG, V, *extra, f]
            else:
                argv = [MG, V, "-C", ca, *extra, f]
        elif cmd == "sign":
            keyargs = [] if "-k" in extra else ["-k", ka, "-c", ca]
            argv = [MG, "sign", "--quiet", *keyargs, *extra, f]
        else:
            argv = [MG, cmd, *extra, f]

        snap = snapshot(d)
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            out, err, rc = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), p.returncode
        except subprocess.TimeoutExpired:
            not_ok(name, "timed out: " + " ".join(argv))
            continue
        why = []
        if rc != want_rc:
            why.append(f"exit {rc}, want {want_rc}")
        if rc < 0 or rc > 2:
            why.append("crashed or unexpected status")
        if cmd == V and want is None:
            if not out.startswith(f"{f}: OK signer="):
                why.append(f"stdout {out!r}, want an OK line")
        elif cmd == V and not want.startswith(("modguard", "(modguard")):
            m = re.match(rf"^{re.escape(f)}: FAIL ({want}): (.+)$", out.rstrip("\n"))
            if not m:
                why.append(f"stdout {out!r}, want '{f}: FAIL {want}: <message>'")
            elif len(out.splitlines()) != 1:
                why.append("more than one stdout line")
            # The same verdict in JSON.
            pj = subprocess.run(argv[:2] + ["--json"] + argv[2:], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=120)
            try:
                o = json.loads(pj.stdout.decode())
                if o.get("file") != f or o.get("ok") is not False or not re.fullmatch(want, o.get("reason", "")) \
                        or not o.get("error") or (m and o["reason"] != m.group(1)):
                    why.append(f"--json: {o}")
                if pj.returncode != want_rc:
                    why.append(f"--json exit {pj.returncode}")
            except (ValueError, AttributeError) as e:
                why.append(f"--json output not one JSON object: {pj.stdout!r} ({e})")
        else:
            pat = want.format(f=re.escape(f))
            if not re.search(pat, err, re.M):
                why.append(f"stderr {err.strip()!r} does not match /{pat}/")
            if rc != 0 and out.strip() and cmd != V:
                why.append(f"unexpected stdout {out!r}")
        if want_rc != 0:
            after = snapshot(d)
            if after != snap:
                why.append("directory changed: " + describe_change(snap, after))
            for m in MOUNTS:
                left = [n for n in os.listdir(m) if n not in ("filler", "filler2") and not n.startswith("c")]
                if left:
                    why.append(f"left files on {m}: {left}")
        if why:
            not_ok(name, "\n".join(why + ["command: " + " ".join(argv)]))
        else:
            ok(f"{name} -> exit {rc}" + (f", {want}" if want and cmd == V else ""))
        if data == "FULL" or uses_full:
            shutil.rmtree(d, ignore_errors=True) if data == "FULL" else None
            # Empty the small file system, leftovers included, so one failure does not cascade.
            for n in os.listdir(full):
                p = os.path.join(full, n)
                shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.unlink(p)
        if big_sparse:
            os.unlink(big_sparse)
            big_sparse = None

    # A mix of good and bad files: one line each, in order, worst exit code wins.
    d = os.path.join(T, "mix")
    os.makedirs(d)
    paths = []
    for n, data in (("a.ko", good), ("b.ko", flip(good, 50)), ("c.ko", good)):
        paths.append(os.path.join(d, n))
        with open(paths[-1], "wb") as fh:
            fh.write(data)
    p = subprocess.run([MG, V, "-C", ca, *paths], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = p.stdout.decode().splitlines()
    if p.returncode == 1 and len(lines) == 3 and lines[0].startswith(paths[0] + ": OK") \
            and lines[1].startswith(paths[1] + ": FAIL bad-signature: ") and lines[2].startswith(paths[2] + ": OK"):
        ok("good, bad, good: three lines in order, exit 1")
    else:
        not_ok("good, bad, good: three lines in order, exit 1", f"exit {p.returncode}\n{p.stdout.decode()}")
    p = subprocess.run([MG, V, "-C", ca, paths[0], os.path.join(d, "missing.ko"), paths[1]],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode == 2:
        ok("an I/O error among invalid modules exits 2")
    else:
        not_ok("an I/O error among invalid modules exits 2", f"exit {p.returncode}")

    # A legacy SHA-1 signature accepted on request still says so on stderr.
    p1 = os.path.join(d, "sha1.ko")
    with open(p1, "wb") as fh:
        fh.write(sha1_signed)
    p = subprocess.run([MG, V, "--allow-sha1", "-C", ca, p1], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode == 0 and p.stdout.decode().startswith(p1 + ": OK ") and p.stdout.decode().rstrip().endswith(
            "hash=sha1") and re.search(r"(SHA-1|sha1|legacy)", p.stderr.decode()):
        ok("--allow-sha1: OK line with hash=sha1 and a warning on stderr")
    else:
        not_ok("--allow-sha1: OK line with hash=sha1 and a warning on stderr",
               f"exit {p.returncode}\nstdout {p.stdout!r}\nstderr {p.stderr!r}")

    print(f"1..{ntest}")
    print(f"{len(cases)} table cases")
    print(f"{npass} passed, {nfail} failed, {nskip} skipped")
    return 1 if nfail else 0


def snapshot(d):
    r = {}
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    r[p] = ("f", hashlib.sha256(fh.read()).hexdigest(), stat.S_IMODE(st.st_mode))
            else:
                r[p] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
    return r


def describe_change(a, b):
    added = sorted(set(b) - set(a))
    gone = sorted(set(a) - set(b))
    changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    return f"added {added} removed {gone} changed {changed}"


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
