package io.datamover.tap.nbd;

import io.datamover.tap.export.Export;

/**
 * What a connection negotiated: its export, whether replies are structured, and whether {@code base:allocation}
 * was selected for that export (which allows BLOCK_STATUS).
 */
record NbdSession(Export export, boolean structuredReplies, boolean blockStatus) {
}
