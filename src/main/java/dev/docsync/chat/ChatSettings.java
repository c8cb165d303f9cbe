package dev.docsync.chat;

/**
 * Tunables of chat.
 *
 * @param historyLimit messages a HISTORY request returns at most (and by default): what a late joiner gets
 * @param maxTextChars longest message text accepted
 */
public record ChatSettings(int historyLimit, int maxTextChars) {
  public ChatSettings {
    if (historyLimit <= 0 || maxTextChars <= 0) {
      throw new IllegalArgumentException("chat history limit and text limit must be positive");
    }
  }
}
