package dev.docsync.client.tui;

/**
 * Where each position of a text goes on a screen of a given width: lines end at '\n' and wrap at the width.
 * Positions are code points, as the Automerge binding counts them.
 */
final class TextLayout {
  final int[] codePoints;
  private final int[] rows;
  private final int[] cols;
  private final int width;

  TextLayout(String text, int width) {
    this.codePoints = text.codePoints().toArray();
    this.width = Math.max(1, width);
    this.rows = new int[codePoints.length + 1];
    this.cols = new int[codePoints.length + 1];
    int row = 0;
    int col = 0;
    for (int i = 0; i <= codePoints.length; i++) {
      if (col >= this.width) {
        row++;
        col = 0;
      }
      rows[i] = row;
      cols[i] = col;
      if (i < codePoints.length) {
        if (codePoints[i] == '\n') {
          row++;
          col = 0;
        } else {
          col++;
        }
      }
    }
  }

  int length() {
    return codePoints.length;
  }

  int row(long index) {
    return rows[clamp(index)];
  }

  int col(long index) {
    return cols[clamp(index)];
  }

  int lastRow() {
    return rows[codePoints.length];
  }

  /** The position on {@code row} nearest to column {@code col} (for up and down). */
  int indexAt(int row, int col) {
    int best = -1;
    for (int i = 0; i <= codePoints.length; i++) {
      if (rows[i] == row && cols[i] <= col) {
        best = i;
      } else if (rows[i] > row) {
        break;
      }
    }
    if (best < 0) {
      return row < 0 ? 0 : codePoints.length;
    }
    return best;
  }

  /** First and last position of the row holding {@code index} (for Home and End). */
  int rowStart(long index) {
    return indexAt(row(index), 0);
  }

  int rowEnd(long index) {
    int row = row(index);
    int end = clamp(index);
    while (end < codePoints.length && rows[end + 1] == row && codePoints[end] != '\n') {
      end++;
    }
    return end;
  }

  private int clamp(long index) {
    return (int) Math.max(0, Math.min(index, codePoints.length));
  }
}
