package io.datamover.protocol;

/**
 * Constants of the datamover wire format; {@code docs/protocol.md} documents them byte by byte.
 *
 * <p>Every frame starts with a fixed 16-byte header, big-endian:
 * <pre>
 *   0  magic        u32  0x444D5652 ("DMVR")
 *   4  version      u8   FRAME_VERSION
 *   5  type         u8   {@link FrameType}
 *   6  flags        u16  per frame type; unknown bits are rejected
 *   8  length       u32  payload bytes that follow the header
 *  12  crc32c       u32  CRC32C of header bytes 0..11 followed by the payload
 * </pre>
 */
public final class Wire {
    public static final int MAGIC = 0x444D5652;
    /** Version of the framing itself (the header above). Changing the header means a new value. */
    public static final int FRAME_VERSION = 1;
    /** Range of protocol revisions (frame semantics) this build speaks; negotiated in the handshake. */
    public static final int PROTOCOL_MIN = 2;
    public static final int PROTOCOL_MAX = 3;
    /**
     * The revision that added generations (HELLO and HELLO_ACK end with a {@link GenerationHistory}). A peer of an
     * earlier revision is refused as INCOMPATIBLE: a link that cannot compare histories cannot refuse divergence.
     */
    public static final int PROTOCOL_GENERATIONS = 2;
    /**
     * The revision that added the epoch (HELLO ends with the sender's epoch of the group in its site's gateway group,
     * docs/coordination.md). A revision-2 peer's HELLO is read as epoch 0: not coordinated.
     */
    public static final int PROTOCOL_EPOCHS = 3;

    public static final int HEADER_LENGTH = 16;
    public static final int OFFSET_MAGIC = 0;
    public static final int OFFSET_VERSION = 4;
    public static final int OFFSET_TYPE = 5;
    public static final int OFFSET_FLAGS = 6;
    public static final int OFFSET_LENGTH = 8;
    public static final int OFFSET_CRC = 12;
    /** The CRC covers the header up to (not including) the CRC field, then the payload. */
    public static final int CRC_COVERED_HEADER_BYTES = OFFSET_CRC;

    /** Largest single write a record may carry (NBD clients are told the same maximum). */
    public static final int MAX_WRITE_BYTES = 32 * 1024 * 1024;
    /** Hard ceiling for any configured payload bound. */
    public static final int MAX_PAYLOAD_BYTES_CEILING = 256 * 1024 * 1024;

    public static final int MAX_ID_BYTES = 128;
    public static final int MAX_NAME_BYTES = 255;
    public static final int MAX_ERROR_MESSAGE_BYTES = 1024;
    public static final int MAX_DISKS = 256;
    public static final int MIN_BLOCK_SIZE = 512;
    public static final int MAX_BLOCK_SIZE = 64 * 1024;

    /** WriteRecord header flag: the guest asked for this write to be durable (NBD FUA). */
    public static final int FLAG_FUA = 0x0001;
    /**
     * HEARTBEAT header flag from a tap: its operator paused the group's replication (datamover pause). Sent only on a
     * connection that agreed {@link Feature#TAP_PAUSE}; other receivers ignore it.
     */
    public static final int FLAG_TAP_PAUSED = 0x0001;

    private Wire() {}
}
