package dev.docsync.presence;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who is present on which document, in memory only. Pure bookkeeping: every operation returns the
 * change it made (or null when it made none); publishing is the caller's business. Not thread-safe.
 *
 * <p>A participant is owned by the subject that created it (see protocol.Identity): it is keyed by
 * (subject, id), so a request names a participant only together with its own subject, and no client
 * reaches another subject's participant, whatever id it picks.
 */
final class PresenceRegistry {
  private record Key(String subject, String id) {}

  private final Map<String, Map<Key, Participant>> docs = new HashMap<>();

  /** Merges {@code partial} into the participant's state (top-level keys), creating the participant if new. */
  PresenceChange upsert(String docId, String subject, String id, Participant.Via via, String origin, JsonObject partial,
                        long now) {
    Map<Key, Participant> participants = docs.computeIfAbsent(docId, k -> new LinkedHashMap<>());
    Participant participant = participants.get(new Key(subject, id));
    if (participant == null) {
      participant = new Participant(docId, subject, id, via, origin, now);
      participant.state.mergeIn(partial);
      participants.put(new Key(subject, id), participant);
      return new PresenceChange(PresenceChange.Kind.JOIN, participant, partial.copy(), null);
    }
    participant.lastSeen = now;
    if (origin != null) {
      participant.origin = origin;
    }
    JsonObject changed = changedKeys(participant.state, partial);
    participant.state.mergeIn(changed);
    // Nothing new (e.g. a repeated snapshot) is a sign of life, not an update.
    PresenceChange.Kind kind = changed.isEmpty() ? PresenceChange.Kind.HEARTBEAT : PresenceChange.Kind.UPDATE;
    return new PresenceChange(kind, participant, changed, null);
  }

  PresenceChange touch(String docId, String subject, String id, long now) {
    Participant participant = find(docId, subject, id);
    if (participant == null) {
      return null;
    }
    participant.lastSeen = now;
    return new PresenceChange(PresenceChange.Kind.HEARTBEAT, participant, new JsonObject(), null);
  }

  PresenceChange remove(String docId, String subject, String id, String reason) {
    Map<Key, Participant> participants = docs.get(docId);
    Participant participant = participants == null ? null : participants.remove(new Key(subject, id));
    if (participant == null) {
      return null;
    }
    if (participants.isEmpty()) {
      docs.remove(docId);
    }
    return leave(participant, reason);
  }

  /** Removes every participant not heard of since {@code now - timeoutMs}. */
  List<PresenceChange> expire(long now, long timeoutMs) {
    return removeIf(p -> now - p.lastSeen >= timeoutMs, PresenceChange.TIMEOUT);
  }

  /** Removes the participants last relayed by a WebSocket connection that closed. */
  List<PresenceChange> removeOrigin(String origin) {
    return removeIf(p -> Objects.equals(origin, p.origin), PresenceChange.DISCONNECT);
  }

  List<Participant> participants(String docId) {
    Map<Key, Participant> participants = docs.get(docId);
    return participants == null ? List.of() : List.copyOf(participants.values());
  }

  boolean has(String docId) {
    return docs.containsKey(docId);
  }

  Participant find(String docId, String subject, String id) {
    Map<Key, Participant> participants = docs.get(docId);
    return participants == null ? null : participants.get(new Key(subject, id));
  }

  private List<PresenceChange> removeIf(java.util.function.Predicate<Participant> gone, String reason) {
    List<PresenceChange> changes = new ArrayList<>();
    for (Iterator<Map<Key, Participant>> docIt = docs.values().iterator(); docIt.hasNext(); ) {
      Map<Key, Participant> participants = docIt.next();
      for (Iterator<Participant> it = participants.values().iterator(); it.hasNext(); ) {
        Participant participant = it.next();
        if (gone.test(participant)) {
          it.remove();
          changes.add(leave(participant, reason));
        }
      }
      if (participants.isEmpty()) {
        docIt.remove();
      }
    }
    return changes;
  }

  private static PresenceChange leave(Participant participant, String reason) {
    return new PresenceChange(PresenceChange.Kind.LEAVE, participant, new JsonObject(), reason);
  }

  private static JsonObject changedKeys(JsonObject current, JsonObject partial) {
    JsonObject changed = new JsonObject();
    partial.forEach(e -> {
      if (!current.containsKey(e.getKey()) || !Objects.equals(current.getValue(e.getKey()), e.getValue())) {
        changed.put(e.getKey(), e.getValue());
      }
    });
    return changed;
  }
}
