package dev.docsync.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The HS256 secret tokens are signed with: DOCSYNC_JWT_SECRET when set, else the development key that
 * docsync generates once (256 random bits) and keeps in {@value #FILE_NAME} in the data directory (mode
 * 0600), where every later start and the {@code token} command find it. Blocking file I/O.
 *
 * @param secret the secret's text (its UTF-8 bytes are the HMAC key)
 * @param file the development key's file, or null when the secret was configured
 * @param created true when this call generated the development key
 */
public record SigningKey(String secret, Path file, boolean created) {
  public static final String FILE_NAME = "docsync-jwt-secret";
  /** HS256 keys shorter than the hash (256 bits) weaken it (RFC 7518 §3.2). */
  public static final int MIN_SECRET_BYTES = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  public boolean development() {
    return file != null;
  }

  /** The configured secret, checked for length. */
  public static SigningKey configured(String secret) {
    if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("DOCSYNC_JWT_SECRET is too short: at least " + MIN_SECRET_BYTES
          + " bytes (e.g. the output of: openssl rand -base64 32)");
    }
    return new SigningKey(secret, null, false);
  }

  /** The development key of dataDir, generated (and the directory created) if there is none yet. */
  public static SigningKey developmentKey(Path dataDir) throws IOException {
    Path file = fileIn(dataDir);
    if (Files.exists(file)) {
      return read(file);
    }
    Files.createDirectories(dataDir);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException raced) {
      return read(file);
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
    return new SigningKey(secret, file, true);
  }

  /** The existing development key of dataDir (the token command never creates one). */
  public static SigningKey existingDevelopmentKey(Path dataDir) throws IOException {
    Path file = fileIn(dataDir);
    if (!Files.exists(file)) {
      throw new IOException("no signing key: DOCSYNC_JWT_SECRET is not set and " + file.toAbsolutePath()
          + " does not exist yet (start docsync once with this DOCSYNC_DATA_DIR and it creates it)");
    }
    return read(file);
  }

  public static Path fileIn(Path dataDir) {
    return dataDir.toAbsolutePath().normalize().resolve(FILE_NAME);
  }

  private static SigningKey read(Path file) throws IOException {
    String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IOException(file + " holds no usable key (fewer than " + MIN_SECRET_BYTES + " bytes): delete it and start again");
    }
    return new SigningKey(secret, file, false);
  }
}
