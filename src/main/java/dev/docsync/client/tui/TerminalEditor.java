package dev.docsync.client.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import dev.docsync.client.ConnectionStatus;
import dev.docsync.client.DocHandle;
import dev.docsync.client.DocsyncClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.automerge.AmValue;
import org.automerge.ObjectId;
import org.automerge.ObjectType;

/**
 * The screen of {@code edit}: the document's {@code text} (an Automerge text, the field the web app edits),
 * the other participants' cursors in their colours with their names, and a status line (online/offline, who is
 * there, where their cursors are). One thread owns the screen: it reads keys, and redraws when something changed.
 * Our caret is kept as an Automerge cursor, so others' edits before it do not move it off its character.
 */
final class TerminalEditor {
  private static final long IDLE_SLEEP_MS = 15;

  private final DocsyncClient client;
  private final DocHandle doc;
  private final String name;
  private final String color;
  private volatile boolean dirty = true;
  /** Our caret: after the character of this Automerge cursor (so that others' typing after it does not move it), or at 0. */
  private String caretAfter;
  private int top;

  private record Peer(String name, TextColor color, long index) {}

  TerminalEditor(DocsyncClient client, DocHandle doc, String name, String color) {
    this.client = client;
    this.doc = doc;
    this.name = name;
    this.color = color;
  }

  void run() throws IOException {
    doc.onChange(c -> dirty = true);
    client.onStatus(s -> dirty = true);
    doc.presence().onChange(p -> dirty = true);
    doc.presence().start(new JsonObject().put("user", new JsonObject().put("name", name).put("color", color)).put("cursor", "e"));
    try (Screen screen = new TerminalScreen(new DefaultTerminalFactory().createTerminal())) {
      screen.startScreen();
      loop(screen);
    } finally {
      doc.presence().stop();
    }
  }

  private void loop(Screen screen) throws IOException {
    while (true) {
      KeyStroke key = screen.pollInput();
      if (key != null) {
        if (quits(key)) {
          return;
        }
        handle(key, screen.getTerminalSize().getColumns());
        dirty = true;
        continue; // a paste arrives as many keys: draw once they are in
      }
      if (screen.doResizeIfNecessary() != null) {
        dirty = true;
      }
      if (dirty) {
        dirty = false;
        draw(screen);
      } else {
        sleep();
      }
    }
  }

  private static boolean quits(KeyStroke key) {
    return key.getKeyType() == KeyType.EOF || key.getKeyType() == KeyType.Escape
        || key.isCtrlDown() && key.getCharacter() != null && (key.getCharacter() == 'q' || key.getCharacter() == 'x' || key.getCharacter() == 'c');
  }

  // ---------------------------------------------------------------- editing

  private void handle(KeyStroke key, int width) {
    TextLayout layout = new TextLayout(text(), width);
    long at = caretIndex(layout);
    switch (key.getKeyType()) {
      case Character -> {
        if (!key.isCtrlDown() && !key.isAltDown()) {
          splice(at, 0, new String(Character.toChars(key.getCharacter())));
        }
      }
      case Enter -> splice(at, 0, "\n");
      case Backspace -> {
        if (at > 0) {
          splice(at - 1, 1, "");
        }
      }
      case Delete -> {
        if (at < layout.length()) {
          splice(at, 1, "");
        }
      }
      case ArrowLeft -> moveTo(Math.max(0, at - 1));
      case ArrowRight -> moveTo(Math.min(layout.length(), at + 1));
      case ArrowUp -> moveTo(layout.indexAt(layout.row(at) - 1, layout.col(at)));
      case ArrowDown -> moveTo(layout.indexAt(layout.row(at) + 1, layout.col(at)));
      case Home -> moveTo(layout.rowStart(at));
      case End -> moveTo(layout.rowEnd(at));
      default -> { }
    }
  }

  /** One Automerge change; the text object is made on the first edit (a plain string there becomes text). */
  private void splice(long index, long delete, String insert) {
    doc.change(tx -> {
      ObjectId text = textObject(tx.get(ObjectId.ROOT, "text").orElse(null));
      if (text == null) {
        String old = tx.get(ObjectId.ROOT, "text").orElse(null) instanceof AmValue.Str s ? s.getValue() : "";
        text = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
        tx.spliceText(text, 0, 0, old);
      }
      tx.spliceText(text, index, delete, insert);
    });
    moveTo(index + insert.codePointCount(0, insert.length()));
  }

  /** Others are shown the usual cursor (the character at the caret, "e" at the end), as JS apps make it. */
  private void moveTo(long index) {
    ObjectId text = textId();
    caretAfter = text == null || index <= 0 ? null : doc.cursorAt(text, index - 1);
    doc.presence().set("cursor", text == null ? "e" : doc.cursorAt(text, index));
  }

  private long caretIndex(TextLayout layout) {
    ObjectId text = textId();
    if (text == null || caretAfter == null) {
      return text == null ? layout.length() : 0;
    }
    long before = doc.indexOf(text, caretAfter);
    return before < 0 ? layout.length() : Math.min(before + 1, layout.length());
  }

  private ObjectId textId() {
    return doc.read(d -> textObject(d.get(ObjectId.ROOT, "text").orElse(null)));
  }

  private static ObjectId textObject(AmValue value) {
    return value instanceof AmValue.Text t ? t.getId() : null;
  }

  private String text() {
    return doc.read(d -> {
      AmValue value = d.get(ObjectId.ROOT, "text").orElse(null);
      if (value instanceof AmValue.Text t) {
        return d.text(t.getId()).orElse("");
      }
      return value instanceof AmValue.Str s ? s.getValue() : "";
    });
  }

  // ---------------------------------------------------------------- drawing

  private void draw(Screen screen) throws IOException {
    TerminalSize size = screen.getTerminalSize();
    int rows = Math.max(1, size.getRows() - 1);
    TextLayout layout = new TextLayout(text(), size.getColumns());
    long at = caretIndex(layout);
    scrollTo(layout.row(at), rows);
    screen.clear();
    TextGraphics g = screen.newTextGraphics();
    for (int i = 0; i < layout.length(); i++) {
      int row = layout.row(i) - top;
      if (row >= 0 && row < rows && layout.codePoints[i] != '\n') {
        screen.setCharacter(layout.col(i), row, TextCharacter.fromCharacter(Character.toChars(layout.codePoints[i])[0])[0]);
      }
    }
    List<Peer> peers = peers(layout);
    for (Peer peer : peers) {
      drawPeer(screen, g, layout, peer, rows, size.getColumns());
    }
    drawStatus(g, peers, layout, size, rows);
    screen.setCursorPosition(new TerminalPosition(layout.col(at), layout.row(at) - top));
    screen.refresh();
  }

  private void scrollTo(int caretRow, int rows) {
    if (caretRow < top) {
      top = caretRow;
    } else if (caretRow >= top + rows) {
      top = caretRow - rows + 1;
    }
  }

  /** A peer's cursor: its character cell in the peer's colour, and its name at the right end of that row. */
  private void drawPeer(Screen screen, TextGraphics g, TextLayout layout, Peer peer, int rows, int columns) {
    int row = layout.row(peer.index()) - top;
    if (peer.index() < 0 || row < 0 || row >= rows) {
      return;
    }
    int col = layout.col(peer.index());
    TextCharacter under = screen.getBackCharacter(col, row);
    char c = under == null || under.getCharacterString().isBlank() ? ' ' : under.getCharacterString().charAt(0);
    screen.setCharacter(col, row, TextCharacter.fromCharacter(c, TextColor.ANSI.BLACK, peer.color())[0]);
    String label = " " + peer.name() + " ";
    int labelCol = Math.max(col + 2, columns - label.length());
    if (labelCol + label.length() <= columns) {
      g.setForegroundColor(TextColor.ANSI.BLACK).setBackgroundColor(peer.color()).putString(labelCol, row, label);
    }
  }

  private void drawStatus(TextGraphics g, List<Peer> peers, TextLayout layout, TerminalSize size, int row) {
    ConnectionStatus status = client.status();
    g.setForegroundColor(TextColor.ANSI.BLACK).setBackgroundColor(status.online() ? TextColor.ANSI.GREEN : TextColor.ANSI.YELLOW);
    String state = " " + (status.state() == ConnectionStatus.State.CONNECTING ? "offline, connecting" : status.toString()) + " ";
    g.putString(0, row, pad(state, size.getColumns()));
    int col = state.length();
    g.setBackgroundColor(TextColor.ANSI.WHITE);
    String me = " " + name + " (you) ";
    g.putString(col, row, me);
    col += me.length();
    for (Peer peer : peers) {
      String text = " " + peer.name() + " " + position(layout, peer.index()) + " ";
      g.setBackgroundColor(peer.color()).putString(col, row, text, SGR.BOLD);
      col += text.length();
    }
    g.setBackgroundColor(TextColor.ANSI.WHITE).putString(col, row, pad(" Ctrl-X quits", Math.max(0, size.getColumns() - col)));
  }

  private static String position(TextLayout layout, long index) {
    return index < 0 ? "-" : (layout.row(index) + 1) + ":" + (layout.col(index) + 1);
  }

  private List<Peer> peers(TextLayout layout) {
    ObjectId text = textId();
    List<Peer> peers = new ArrayList<>();
    for (Map.Entry<String, JsonObject> e : doc.presence().peers().entrySet()) {
      JsonObject state = e.getValue();
      JsonObject user = state.getValue("user") instanceof JsonObject u ? u : new JsonObject();
      String peerName = user.getValue("name") instanceof String n && !n.isBlank() ? n : e.getKey();
      String cursor = state.getValue("cursor") instanceof String c ? c : null;
      long index = text == null || cursor == null ? (cursor == null ? -1 : layout.length()) : doc.indexOf(text, cursor);
      peers.add(new Peer(peerName, colour(user.getValue("color")), Math.min(index, layout.length())));
    }
    peers.sort((a, b) -> a.name().compareToIgnoreCase(b.name()));
    return peers;
  }

  private static TextColor colour(Object value) {
    if (value instanceof String s && s.matches("#[0-9a-fA-F]{6}")) {
      int rgb = Integer.parseInt(s.substring(1), 16);
      return new TextColor.RGB(rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff);
    }
    return TextColor.ANSI.MAGENTA;
  }

  private static String pad(String text, int width) {
    if (text.length() >= width) {
      return text.substring(0, Math.max(0, width));
    }
    return text + " ".repeat(width - text.length());
  }

  private static void sleep() {
    try {
      Thread.sleep(IDLE_SLEEP_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
