package dev.docsync.doc;

import dev.docsync.protocol.DocRequest;
import java.util.List;

/**
 * Who held an unloaded document: its peers (to be greeted again, from their stored sync states)
 * and how many frontends had it open. Lets the node unload any idle document without its peers noticing.
 */
record Parked(List<DocRequest.Hello> peers, int openFrontends) {
  static final Parked NONE = new Parked(List.of(), 0);
}
