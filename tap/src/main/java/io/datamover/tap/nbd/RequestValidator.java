package io.datamover.tap.nbd;

/**
 * Checks a request against the protocol and the export before anything touches the disk. Errors follow
 * proto.md: EINVAL for unknown commands or flags, bad lengths and reads/trims out of range; ENOSPC for writes
 * past the end of the export.
 */
final class RequestValidator {

    /** Why a request is refused: the NBD error, a metric reason and a message for the client and the log. */
    record Rejection(int error, String reason, String message) {
    }

    /**
     * TRIM and WRITE_ZEROES carry no payload: any length the request carries (up to 2^32 - 1) is accepted within
     * the export; mkfs.ext4 discards a whole 2 GiB disk in one request. The processor splits what one record
     * cannot carry.
     */
    private static final long MAX_PAYLOADLESS_BYTES = 0xFFFF_FFFFL;

    private final long maxRequestBytes;

    RequestValidator(long maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Null when the request may run. */
    Rejection validate(NbdRequest request, NbdSession session) {
        int allowedFlags = switch (request.type) {
            case Nbd.CMD_READ, Nbd.CMD_WRITE, Nbd.CMD_DISC, Nbd.CMD_FLUSH, Nbd.CMD_TRIM -> Nbd.CMD_FLAG_FUA;
            case Nbd.CMD_WRITE_ZEROES -> Nbd.CMD_FLAG_FUA | Nbd.CMD_FLAG_NO_HOLE;
            case Nbd.CMD_BLOCK_STATUS -> Nbd.CMD_FLAG_FUA | Nbd.CMD_FLAG_REQ_ONE;
            default -> -1;
        };
        if (allowedFlags < 0) {
            return new Rejection(Nbd.EINVAL, "unknown_command", "unknown command " + request.type);
        }
        if ((request.flags & ~allowedFlags) != 0) {
            return new Rejection(Nbd.EINVAL, "bad_command_flags",
                    "flags 0x" + Integer.toHexString(request.flags) + " not valid for " + Nbd.commandName(request.type));
        }
        if (request.payloadDiscarded) {
            return new Rejection(Nbd.EINVAL, "request_too_big",
                    "write of " + request.length + " bytes exceeds the maximum of " + maxRequestBytes);
        }
        return switch (request.type) {
            case Nbd.CMD_DISC, Nbd.CMD_FLUSH -> request.offset == 0 && request.length == 0 ? null
                    : new Rejection(Nbd.EINVAL, "bad_range", Nbd.commandName(request.type) + " needs offset and length 0");
            case Nbd.CMD_BLOCK_STATUS -> session.blockStatus() ? range(request, session, Long.MAX_VALUE, Nbd.EINVAL)
                    : new Rejection(Nbd.EINVAL, "no_meta_context", "base:allocation was not selected for this export");
            case Nbd.CMD_READ -> range(request, session, maxRequestBytes, Nbd.EINVAL);
            case Nbd.CMD_TRIM -> range(request, session, MAX_PAYLOADLESS_BYTES, Nbd.EINVAL);
            case Nbd.CMD_WRITE -> range(request, session, maxRequestBytes, Nbd.ENOSPC);
            case Nbd.CMD_WRITE_ZEROES -> range(request, session, MAX_PAYLOADLESS_BYTES, Nbd.ENOSPC);
            default -> throw new IllegalStateException("unhandled command " + request.type);
        };
    }

    private static Rejection range(NbdRequest request, NbdSession session, long maxLength, int pastEndError) {
        String command = Nbd.commandName(request.type);
        if (request.length == 0) {
            return new Rejection(Nbd.EINVAL, "bad_range", command + " of length 0");
        }
        if (request.length > maxLength) {
            return new Rejection(Nbd.EINVAL, "request_too_big",
                    command + " of " + request.length + " bytes exceeds the maximum of " + maxLength);
        }
        long size = session.export().sizeBytes();
        // Offsets are unsigned on the wire: a negative long is beyond any export.
        if (request.offset < 0 || request.offset > size || request.length > size - request.offset) {
            return new Rejection(pastEndError, "out_of_bounds",
                    command + " of [" + Long.toUnsignedString(request.offset) + ", +" + request.length
                            + ") is beyond the end of the export (" + size + " bytes)");
        }
        return null;
    }
}
