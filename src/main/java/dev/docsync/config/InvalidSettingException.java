package dev.docsync.config;

/** A setting whose value docsync does not accept: names the setting, the value and what is accepted. */
public final class InvalidSettingException extends IllegalArgumentException {
  private final String key;

  public InvalidSettingException(String key, Object value, String accepted) {
    super(value == null ? key + " is missing (accepted: " + accepted + ")"
        : key + "='" + value + "' is not accepted: " + accepted);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
