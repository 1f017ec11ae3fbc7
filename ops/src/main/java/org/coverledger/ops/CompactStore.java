package org.coverledger.ops;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.MVStoreTool;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * {@code ops/compact}: rewrites the embedded MongoDB's file with only its live data, while the
 * server is stopped, as MongoDB's own {@code compact} gives back a collection's dead space.
 * <p>
 * Why: H2 writes every commit (every acknowledged write here) as a new chunk and rewrites old
 * chunks in the background only a little at a time while the store is busy, so under sustained
 * writes the file grows and splits into ever more, ever emptier chunks. On the load benchmark's
 * 10^6 store, after some hours of load, 51,696 chunks held 21 % live data in 24.5 GB. H2's work
 * per commit grows with the count of chunks (their metadata is rewritten with each commit, and
 * every background pass scans their fill), its live pages lie scattered through a file larger
 * than the page cache, and a call at 1 client pays for both (ops/BENCHMARKS.md, 2026-12-07 day).
 * H2's own copy ({@link MVStoreTool#compact(MVStore, MVStore)}) made that store 2,145 chunks,
 * 99 % live and 5.3 GB; with the comparison this took 145 s.
 * <p>
 * Steps, each safe to interrupt: the copy is written beside the store ({@value #COPY_SUFFIX}),
 * synced, and compared with the store map by map, page content byte for byte; only then does it
 * replace the store, by an atomic rename. A kill before the rename leaves the store as it was
 * (the next run deletes the half-written copy); after it, the compacted store. H2 refuses to
 * open a file another process holds, so a running server is never compacted under its feet, and
 * the store is held open here (locked) while it is read and again from the comparison until the
 * copy is in place: a server that starts in between makes the second open fail, and nothing is
 * replaced.
 * <p>
 * The copy takes the store's owner and permissions; a store reached through a symbolic link is
 * compacted beside itself. {@code --check} only reads.
 * <p>
 * Exit codes: 0 compacted, or nothing to gain (see {@link #WORTH_IT}); 1 could not run (in use,
 * no store, too little free disk; a copy begun is deleted); 2 the copy differed from the store
 * (the store is left as it was, and the copy is kept for a look).
 */
public final class CompactStore {

    static final String COPY_SUFFIX = ".compacting";
    static final String OLD_SUFFIX = ".before-compact";
    static final String LOCK_SUFFIX = ".compact-lock";
    /** Below this share of live data in the chunks, a compaction is worth a stop. */
    static final int WORTH_IT = 60;

    private final PrintStream out;

    CompactStore(PrintStream out) {
        this.out = out;
    }

    static final String USAGE = """
            ops/compact [DATA_DIR] [--check] [--force] [--keep-old]
              Rewrites the stopped embedded MongoDB's file (DATA_DIR/mongo.mv.db; default
              $COVERLEDGER_DATA_DIR, else the project's data/) with only its live data.
              --check     print the store's figures and whether compacting would help (changes nothing)
              --force     compact even when the store is mostly live
              --keep-old  keep the old file as mongo.mv.db.before-compact
            Exit code 0: compacted or nothing to gain; 1: could not run; 2: the copy differed.""";

    /** What the command line asks for; {@code error} when it cannot be understood. */
    record Options(Path dataDirectory, boolean checkOnly, boolean force, boolean keepOld, boolean help, String error) {
        static Options parse(String[] args, String defaultDirectory) {
            boolean keepOld = false;
            boolean force = false;
            boolean checkOnly = false;
            String dir = null;
            for (String arg : args) {
                switch (arg) {
                    case "--keep-old" -> keepOld = true;
                    case "--force" -> force = true;
                    case "--check" -> checkOnly = true;
                    case "-h", "--help" -> {
                        return new Options(null, false, false, false, true, null);
                    }
                    default -> {
                        if (arg.startsWith("-")) { // a mistyped --check must not compact a directory named after it
                            return new Options(null, false, false, false, false, "unknown option " + arg);
                        }
                        if (dir != null) {
                            return new Options(null, false, false, false, false, "two data directories: " + dir
                                    + " and " + arg);
                        }
                        dir = arg;
                    }
                }
            }
            return new Options(Path.of(dir != null ? dir : defaultDirectory), checkOnly, force, keepOld, false, null);
        }
    }

    public static void main(String[] args) {
        Options options = Options.parse(args, System.getenv().getOrDefault("COVERLEDGER_DATA_DIR", "data"));
        if (options.help()) {
            System.out.println(USAGE);
            System.exit(0);
        }
        if (options.error() != null) {
            System.err.println("ops/compact: " + options.error() + "\n" + USAGE);
            System.exit(1);
        }
        System.exit(new CompactStore(System.out).run(options.dataDirectory(), options.checkOnly(), options.force(),
                options.keepOld()));
    }

    /** The figures H2 keeps of a store's file. */
    record Figures(long fileBytes, int chunks, int chunksFillPercent) {
        static Figures of(MVStore store, Path file) throws IOException {
            Map<String, String> info = new TreeMap<>();
            store.populateInfo(info::put);
            return new Figures(Files.size(file), Integer.parseInt(info.get("info.CHUNK_COUNT")),
                    Integer.parseInt(info.get("info.CHUNKS_FILL_RATE")));
        }

        /** At most this much is live (H2 gives the share in whole percent, rounded down). */
        long liveBytes() {
            return fileBytes * Math.min(100, chunksFillPercent + 1) / 100;
        }

        /** About what a compaction gives back. */
        long deadBytes() {
            return fileBytes * (100 - chunksFillPercent) / 100;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,.1f MB in %,d chunks, %d %% of their bytes live",
                    fileBytes / 1e6, chunks, chunksFillPercent);
        }
    }

    int run(Path dataDirectory, boolean checkOnly, boolean force, boolean keepOld) {
        Path named = dataDirectory.resolve(EmbeddedMongo.DATA_FILE);
        if (!Files.isRegularFile(named)) {
            out.println("ops/compact: no embedded store at " + named);
            return 1;
        }
        try {
            // a store reached through a link is compacted where it lies, beside itself, and stays reached so
            Path file = named.toRealPath();
            if (checkOnly) {
                return check(file);
            }
            // one compaction at a time: read-only opens of the store do not exclude each other
            try (FileChannel lockFile = FileChannel.open(file.resolveSibling(EmbeddedMongo.DATA_FILE + LOCK_SUFFIX),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
                if (lock == null) {
                    out.println("ops/compact: another ops/compact is running on " + dataDirectory);
                    return 1;
                }
                Path copy = file.resolveSibling(EmbeddedMongo.DATA_FILE + COPY_SUFFIX);
                Files.deleteIfExists(copy); // a copy left by an interrupted run: the store was never replaced
                int code = compact(file, copy, force, keepOld);
                if (code == 1) {
                    Files.deleteIfExists(copy); // nothing replaced: give its space back (a differing copy, 2, stays)
                }
                return code;
            }
        } catch (IOException e) {
            out.println("ops/compact: " + e);
            return 1;
        }
    }

    /** {@code --check}: the figures, and what compacting would give back; writes nothing. */
    private int check(Path file) throws IOException {
        try (MVStore store = openReadOnly(file)) {
            Figures figures = Figures.of(store, file);
            out.println("ops/compact: " + file + ": " + figures);
            out.println(figures.chunksFillPercent() >= WORTH_IT
                    ? "ops/compact: nothing to gain (" + WORTH_IT + " % or more live)"
                    : String.format(Locale.ROOT, "ops/compact: compacting would give back about %,.0f MB",
                            figures.deadBytes() / 1e6));
            return 0;
        } catch (MVStoreException e) {
            out.println(cannotOpen(file, e));
            return 1;
        }
    }

    private int compact(Path file, Path copy, boolean force, boolean keepOld) throws IOException {
        long started = System.nanoTime();
        MVStore opened;
        try {
            opened = openReadOnly(file);
        } catch (MVStoreException e) {
            out.println(cannotOpen(file, e));
            return 1;
        }
        try {
            try (MVStore source = opened) {
                Figures before = Figures.of(source, file);
                out.println("ops/compact: " + file + ": " + before);
                if (!force && before.chunksFillPercent() >= WORTH_IT) {
                    out.println("ops/compact: nothing to gain (" + WORTH_IT + " % or more live); --force compacts anyway");
                    return 0;
                }
                long need = before.liveBytes() * 11 / 10 + (16 << 20);
                long free = Files.getFileStore(file.getParent()).getUsableSpace();
                if (free < need) {
                    out.printf(Locale.ROOT, "ops/compact: the copy needs about %,.0f MB free beside the store, and "
                            + "%,.0f MB are free%n", need / 1e6, free / 1e6);
                    return 1;
                }
                try (MVStore target = new MVStore.Builder().fileName(copy.toString()).open();
                        Progress progress = new Progress(copy, before.liveBytes())) {
                    MVStoreTool.compact(source, target);
                }
            }
            sync(copy);
            sameOwnerAndMode(file, copy);
            out.printf(Locale.ROOT, "ops/compact: copied in %.0f s; comparing it with the store%n", seconds(started));
            // opened afresh (the copy's maps are open with H2's own raw type in the first), and held open, so locked
            // against a server starting, until the copy is in place: if one started since, this open fails
            try (MVStore store = openReadOnly(file); MVStore compacted = openReadOnly(copy)) {
                String difference = compare(store, compacted);
                if (difference != null) {
                    out.println("ops/compact: the copy differs from the store (" + difference + "); the store is left "
                            + "as it was, the copy is at " + copy);
                    return 2;
                }
                Figures after = Figures.of(compacted, copy);
                Path old = file.resolveSibling(EmbeddedMongo.DATA_FILE + OLD_SUFFIX);
                if (keepOld) {
                    Files.deleteIfExists(old);
                    Files.createLink(old, file); // the same bytes under a second name, before the rename drops the first
                }
                Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                sync(file.getParent());
                out.println("ops/compact: done in " + String.format(Locale.ROOT, "%.0f s", seconds(started)) + ": "
                        + after + (keepOld ? "; the old file is " + old : ""));
                return 0;
            }
        } catch (MVStoreException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            out.println("ops/compact: failed, the store is as it was: " + e.getMessage()
                    + (cause != e ? " (" + cause + ")" : ""));
            return 1;
        } catch (IOException e) {
            out.println("ops/compact: failed, the store is as it was: " + e);
            return 1;
        }
    }

    private static String cannotOpen(Path file, MVStoreException e) {
        return "ops/compact: cannot open " + file + " (is the embedded MongoDB still running? stop it first): "
                + e.getMessage();
    }

    /**
     * The copy takes the store's owner and permissions (run as root, it would otherwise leave a
     * root-owned file the server's user cannot write, or widen a 600 file to 644).
     */
    private static void sameOwnerAndMode(Path file, Path copy) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return;
        }
        Files.setPosixFilePermissions(copy, Files.getPosixFilePermissions(file));
        UserPrincipal owner = Files.getOwner(file);
        if (!owner.equals(Files.getOwner(copy))) {
            Files.setOwner(copy, owner); // fails unless run as root or the owner: then nothing is replaced
            Files.getFileAttributeView(copy, PosixFileAttributeView.class)
                    .setGroup(Files.readAttributes(file, PosixFileAttributes.class).group());
        }
    }

    private static MVStore openReadOnly(Path file) {
        return new MVStore.Builder().fileName(file.toString()).readOnly().open();
    }

    /**
     * Null when every map of the store is in the copy with as many entries, and each map's pages
     * hold the same bytes in the same order; else what differs. H2's copy moves pages whole, so
     * the two trees have the same leaves: each leaf is read as one raw value ({@link RawType})
     * and compared.
     */
    static String compare(MVStore store, MVStore copy) {
        TreeSet<String> names = new TreeSet<>(store.getMapNames());
        if (!names.equals(new TreeSet<>(copy.getMapNames()))) {
            return "maps " + names + " against " + new TreeSet<>(copy.getMapNames());
        }
        for (String name : names) {
            MVMap<byte[], byte[]> a = store.openMap(name, raw());
            MVMap<byte[], byte[]> b = copy.openMap(name, raw());
            if (a.sizeAsLong() != b.sizeAsLong()) {
                return "map " + name + ": " + a.sizeAsLong() + " entries against " + b.sizeAsLong();
            }
            Cursor<byte[], byte[]> x = a.cursor(null);
            Cursor<byte[], byte[]> y = b.cursor(null);
            while (x.hasNext()) {
                if (!y.hasNext() || !Arrays.equals(x.next(), y.next()) || !Arrays.equals(x.getValue(), y.getValue())) {
                    return "map " + name + ": a page's content";
                }
            }
            if (y.hasNext()) {
                return "map " + name + ": more pages in the copy";
            }
        }
        return null;
    }

    private static MVMap.Builder<byte[], byte[]> raw() {
        return new MVMap.Builder<byte[], byte[]>().keyType(RawType.INSTANCE).valueType(RawType.INSTANCE);
    }

    /**
     * Reads whatever a page holds as one value, whatever its types, and writes it back as it was
     * (the technique of H2's own MVStoreTool, whose type is private): the first key of a page is
     * all of its bytes, the others are empty.
     */
    static final class RawType extends BasicDataType<byte[]> {
        static final RawType INSTANCE = new RawType();

        @Override
        public boolean isMemoryEstimationAllowed() {
            return false;
        }

        @Override
        public int getMemory(byte[] bytes) {
            return bytes == null ? 0 : 24 + bytes.length;
        }

        @Override
        public void write(WriteBuffer buffer, byte[] bytes) {
            if (bytes != null) {
                buffer.put(bytes);
            }
        }

        @Override
        public byte[] read(ByteBuffer buffer) {
            if (!buffer.hasRemaining()) {
                return null;
            }
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }

        @Override
        public byte[][] createStorage(int size) {
            return new byte[size][];
        }
    }

    private static void sync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    /** Prints how far the copy has got every few seconds, on the terminal. */
    private final class Progress implements AutoCloseable {
        private final ScheduledExecutorService ticks = EmbeddedMongo.daemonScheduler("compact-progress");

        Progress(Path copy, long expected) {
            ticks.scheduleAtFixedRate(() -> {
                try {
                    if (Files.exists(copy)) {
                        out.printf(Locale.ROOT, "ops/compact: copied %,.0f of about %,.0f MB%n",
                                Files.size(copy) / 1e6, expected / 1e6);
                    }
                } catch (IOException e) {
                    // the copy moved on or went away; the next tick or the end says how it stands
                }
            }, 5, 5, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            ticks.shutdownNow();
        }
    }
}
