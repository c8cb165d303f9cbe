package dev.docsync.fuzz;

import static dev.docsync.fuzz.Mutations.pick;

import dev.docsync.chat.ChatAddresses;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Frames for the event-bus bridges (SockJS raw WebSocket, TCP): valid bridge frames (send, publish,
 * register, unregister, ping) to permitted and forbidden addresses with frontend (READ, OPEN, CLOSE,
 * LOCAL_CHANGE with real changes), presence and chat bodies, and mutations: field type swaps, removed
 * and added fields, character flips, truncation, junk, huge strings, deep nesting, non-object JSON.
 * Real changes only ever go to fuzz documents. Deterministic for a given Random.
 */
final class BridgeFrameFuzzer {
  /** A frame: JSON text (possibly broken), or bytes for a huge announced TCP length ({@code hugeLength} > 0). */
  record Frame(String text, long hugeLength, boolean binary, String label) {}

  private final FuzzCorpus corpus;
  private final List<String> allDocs = new ArrayList<>();

  BridgeFrameFuzzer(FuzzCorpus corpus) {
    this.corpus = corpus;
    allDocs.addAll(corpus.fuzzDocs);
    allDocs.addAll(corpus.protectedDocs);
  }

  private JsonObject seed(Random r) {
    int k = r.nextInt(100);
    String replyAddress = UUID.nameUUIDFromBytes(FuzzCorpus.randomBytes(r, 8)).toString();
    if (k < 35) {
      String type = pick(r, List.of("READ", "READ", "OPEN", "CLOSE", "LOCAL_CHANGE", "LOCAL_CHANGE"));
      JsonObject body = new JsonObject().put("type", type).put("view", r.nextBoolean());
      if (type.equals("LOCAL_CHANGE")) {
        String doc = pick(r, corpus.fuzzDocs);
        body.put("docId", doc).put("change", pick(r, corpus.changes.get(doc))).put("origin", "fuzz");
      } else {
        body.put("docId", pick(r, allDocs));
      }
      return send(Addresses.FRONTEND, body, replyAddress);
    }
    if (k < 55) {
      String type = pick(r, List.of("UPDATE", "UPDATE", "HEARTBEAT", "LEAVE", "LIST"));
      JsonObject body = new JsonObject().put("type", type).put("docId", pick(r, allDocs))
          .put("participantId", "fuzz-" + r.nextInt(5));
      if (type.equals("UPDATE")) {
        body.put("state", new JsonObject().put("user", new JsonObject().put("name", "Fuzz").put("color", "#abcdef"))
            .put("cursor", "c-" + r.nextInt(100)).put("typing", r.nextBoolean())
            .put("selection", new JsonObject().put("anchor", "a").put("head", "b")));
      }
      return send(PresenceAddresses.REQUESTS, body, replyAddress);
    }
    if (k < 60) {
      JsonObject body = r.nextInt(3) == 0
          ? new JsonObject().put("type", "SEND").put("docId", pick(r, corpus.fuzzDocs)).put("author", "fuzz")
              .put("text", "hello " + r.nextInt()).put("clientId", "fuzz-" + r.nextInt(50))
          : new JsonObject().put("type", "HISTORY").put("docId", pick(r, allDocs)).put("limit", r.nextInt(60));
      return send(ChatAddresses.REQUESTS, body, replyAddress);
    }
    if (k < 72) {
      String address = pick(r, List.of(Addresses.changes(pick(r, allDocs)), PresenceAddresses.events(pick(r, allDocs)),
          ChatAddresses.events(pick(r, allDocs)), Addresses.EVENTS, Addresses.PEER, "docsync.ws.out.x", "../x"));
      return new JsonObject().put("type", r.nextInt(3) == 0 ? "unregister" : "register").put("address", address);
    }
    if (k < 80) {
      return new JsonObject().put("type", "ping");
    }
    if (k < 88) { // forbidden: the peer API, internal addresses
      return send(pick(r, List.of(Addresses.PEER, "docsync.ws.stats", "docsync.doc.internal", Addresses.peerOutbox("p"))),
          new JsonObject().put("type", "HELLO").put("docId", pick(r, corpus.fuzzDocs)).put("peerId", "fuzz"), replyAddress);
    }
    JsonObject publish = send(Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", pick(r, allDocs)), null);
    return publish.put("type", r.nextBoolean() ? "publish" : "send");
  }

  private static JsonObject send(String address, JsonObject body, String replyAddress) {
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body);
    if (replyAddress != null) {
      frame.put("replyAddress", replyAddress);
    }
    return frame;
  }

  /** The next frame; {@code tcp}: may announce a huge length (the TCP guard refuses and closes). */
  Frame next(Random r, boolean tcp) {
    JsonObject seed = seed(r);
    int m = r.nextInt(1000);
    if (m < 300) {
      return text(seed.encode(), "valid-" + seed.getString("type"));
    }
    if (m < 550) {
      return text(mutateBody(r, seed).encode(), "body");
    }
    if (m < 700) {
      return text(mutateTop(r, seed).encode(), "top");
    }
    if (m < 800) {
      return text(Mutations.anyByteMutationText(r, seed.encode()), "chars");
    }
    if (m < 840) {
      return text(String.valueOf(randomJson(r, 3)), "random-json");
    }
    if (m < 870) {
      return text(new String(FuzzCorpus.randomBytes(r, 1 + r.nextInt(200)), StandardCharsets.ISO_8859_1), "junk");
    }
    if (m < 890) {
      JsonObject big = seed.copy();
      big.put(r.nextBoolean() ? "address" : "replyAddress", "a".repeat(50_000 + r.nextInt(100_000)));
      return text(big.encode(), "huge-string");
    }
    if (m < 910) {
      int depth = r.nextBoolean() ? 50 + r.nextInt(100) : 1000 + r.nextInt(5000);
      return text("{\"type\":\"send\",\"address\":\"docsync.frontend\",\"body\":" + "[".repeat(depth) + "]".repeat(depth) + "}",
          "nesting");
    }
    if (m < 930 && !tcp) {
      return new Frame(seed.encode(), 0, true, "binary");
    }
    if (m < 933 && tcp) {
      return new Frame(seed.encode(), pick(r, List.of(0x7fffffffL, 0x40000000L, 0xfffffffL)), false, "huge-length");
    }
    return text(seed.encode(), "valid-" + seed.getString("type"));
  }

  private static Frame text(String text, String label) {
    return new Frame(text, 0, false, label);
  }

  private JsonObject mutateBody(Random r, JsonObject seed) {
    JsonObject frame = seed.copy();
    if (!(frame.getValue("body") instanceof JsonObject body)) {
      return mutateTop(r, frame);
    }
    for (int n = 1 + r.nextInt(2); n > 0; n--) {
      List<String> keys = new ArrayList<>(body.fieldNames());
      switch (r.nextInt(6)) {
        case 0, 1 -> {
          if (!keys.isEmpty()) {
            body.put(pick(r, keys), randomJson(r, 2));
          }
        }
        case 2 -> {
          if (!keys.isEmpty()) {
            body.remove(pick(r, keys));
          }
        }
        case 3 -> body.put(Mutations.randomString(r, corpus.fuzzDocs), randomJson(r, 2));
        case 4 -> body.put("docId", Mutations.randomString(r, corpus.fuzzDocs));
        default -> body.put("type", Mutations.randomString(r, corpus.fuzzDocs));
      }
    }
    return frame;
  }

  private JsonObject mutateTop(Random r, JsonObject seed) {
    JsonObject frame = seed.copy();
    List<String> keys = new ArrayList<>(frame.fieldNames());
    switch (r.nextInt(5)) {
      case 0 -> frame.put(pick(r, keys), randomJson(r, 2));
      case 1 -> frame.remove(pick(r, keys));
      case 2 -> frame.put("type", pick(r, List.of("send", "publish", "register", "unregister", "ping", "rec", "err", "SEND", "")));
      case 3 -> frame.put("headers", r.nextBoolean() ? randomJson(r, 2)
          : new JsonObject().put("authorization", "Bearer " + Mutations.randomString(r, corpus.fuzzDocs)).put("timeout", -1));
      default -> frame.put("replyAddress", randomJson(r, 1));
    }
    return frame;
  }

  /** Any JSON value; never a protected document's id nor a real change. */
  private Object randomJson(Random r, int depth) {
    switch (r.nextInt(depth <= 0 ? 9 : 11)) {
      case 0:
        return null;
      case 1:
        return r.nextBoolean();
      case 2:
        return r.nextInt();
      case 3:
        return r.nextLong();
      case 4:
        return r.nextDouble() * 1e300;
      case 5:
      case 6:
        return Mutations.randomString(r, corpus.fuzzDocs);
      case 7:
        return java.util.Base64.getEncoder().encodeToString(FuzzCorpus.randomBytes(r, r.nextInt(64)));
      case 8:
        return pick(r, List.of("", "1e99999", "NaN", "true"));
      case 9: {
        JsonArray array = new JsonArray();
        for (int i = r.nextInt(4); i > 0; i--) {
          array.add(randomJson(r, depth - 1));
        }
        return array;
      }
      default: {
        JsonObject object = new JsonObject();
        for (int i = r.nextInt(4); i > 0; i--) {
          object.put(Mutations.randomString(r, corpus.fuzzDocs), randomJson(r, depth - 1));
        }
        return object;
      }
    }
  }
}
