package dev.docsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Linux /proc readings (CPU ticks, resident memory) and the few commands the benchmark runs. */
final class Proc {
  static final long CLK_TCK = clockTicks();

  private Proc() {}

  /** utime + stime of a process (all its threads), in clock ticks; -1 when it is gone. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Sum of cpuTicks over pids (the missing ones count 0). */
  static long cpuTicks(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      sum += Math.max(0, cpuTicks(pid));
    }
    return sum;
  }

  /** CPU ticks per thread group of a process: thread names (comm) with digits and trailing dashes removed. */
  static java.util.Map<String, Long> threadTicks(long pid) {
    java.util.Map<String, Long> groups = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      tasks.forEach(task -> {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          String group = comm.replaceAll("[0-9]+", "").replaceAll("[-_ #]+$", "");
          groups.merge(group.isEmpty() ? comm : group, ticks, Long::sum);
        } catch (IOException | RuntimeException e) {
          // thread gone
        }
      });
    } catch (IOException e) {
      // process gone
    }
    return groups;
  }

  /** Parent pid, -1 when unknown. */
  static long parent(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** pid and all its live descendants. */
  static List<Long> tree(long root) {
    List<Long> result = new ArrayList<>();
    result.add(root);
    List<long[]> all = new ArrayList<>();
    try (var dirs = Files.list(Path.of("/proc"))) {
      dirs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
          .forEach(n -> all.add(new long[] {Long.parseLong(n), parent(Long.parseLong(n))}));
    } catch (IOException e) {
      return result;
    }
    for (int i = 0; i < result.size(); i++) {
      long p = result.get(i);
      for (long[] e : all) {
        if (e[1] == p) {
          result.add(e[0]);
        }
      }
    }
    return result;
  }

  /** VmRSS in KiB; -1 when the process is gone. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return -1;
  }

  static long rssKb(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      sum += Math.max(0, rssKb(pid));
    }
    return sum;
  }

  /** {busy, total} jiffies of the whole machine. */
  static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  static long selfPid() {
    return ProcessHandle.current().pid();
  }

  static String run(long timeoutSeconds, String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return new String(out).trim();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  static String firstLine(Path file, String prefix) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(prefix)) {
          return line.substring(prefix.length()).trim();
        }
      }
    } catch (IOException e) {
      // absent
    }
    return "?";
  }

  private static long clockTicks() {
    try {
      return Long.parseLong(run(5, "getconf", "CLK_TCK"));
    } catch (RuntimeException e) {
      return 100;
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
