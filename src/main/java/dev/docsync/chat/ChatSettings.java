package dev.docsync.chat;

/**
 * Tunables of chat.
 *
 * @param historyLimit messages a HISTORY request returns at most (and by default): what a late joiner gets
 * @param maxTextChars longest message text accepted
 * @param retentionDays messages older than this many days are deleted (hourly); 0 keeps them forever
 */
public record ChatSettings(int historyLimit, int maxTextChars, int retentionDays) {
  public ChatSettings {
    if (historyLimit <= 0 || maxTextChars <= 0 || retentionDays < 0) {
      throw new IllegalArgumentException("chat history and text limits must be positive, retention 0 or more days");
    }
  }
}
