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
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * 10^6 store, after an hour of load, 35,856 chunks held 24 % live data in 23.5 GB. H2's work per
 * commit grows with the count of chunks (their metadata is rewritten with each commit, and every
 * background pass scans their fill), and a call at 1 client pays it (ops/BENCHMARKS.md,
 * 2026-12-07 day). H2's own copy ({@link MVStoreTool#compact(MVStore, MVStore)}) made that store
 * 2,120 chunks, 99 % full and 5.3 GB in 97 s.
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
 * Exit codes: 0 compacted, or nothing to gain (see {@link #WORTH_IT}); 1 could not run (in use,
 * no store, too little free disk); 2 the copy differed from the store (the store is left as it
 * was, and the copy is kept for a look).
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

    public static void main(String[] args) {
        boolean keepOld = false;
        boolean force = false;
        boolean checkOnly = false;
        String dir = System.getenv().getOrDefault("COVERLEDGER_DATA_DIR", "data");
        for (String arg : args) {
            switch (arg) {
                case "--keep-old" -> keepOld = true;
                case "--force" -> force = true;
                case "--check" -> checkOnly = true;
                case "-h", "--help" -> {
                    System.out.println("""
                            ops/compact [DATA_DIR] [--check] [--force] [--keep-old]
                              Rewrites the stopped embedded MongoDB's file (DATA_DIR/mongo.mv.db; default
                              $COVERLEDGER_DATA_DIR or ./data) with only its live data.
                              --check     print the store's figures and whether compacting would help
                              --force     compact even when the store is mostly live
                              --keep-old  keep the old file as mongo.mv.db.before-compact
                            Exit code 0: compacted or nothing to gain; 1: could not run; 2: the copy differed.""");
                    System.exit(0);
                }
                default -> dir = arg;
            }
        }
        System.exit(new CompactStore(System.out).run(Path.of(dir), checkOnly, force, keepOld));
    }

    /** The figures H2 keeps of a store's file. */
    record Figures(long fileBytes, int chunks, int chunksFillPercent) {
        static Figures of(MVStore store, Path file) throws IOException {
            Map<String, String> info = new TreeMap<>();
            store.populateInfo(info::put);
            return new Figures(Files.size(file), Integer.parseInt(info.get("info.CHUNK_COUNT")),
                    Integer.parseInt(info.get("info.CHUNKS_FILL_RATE")));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,.1f MB in %,d chunks, %d %% of their bytes live",
                    fileBytes / 1e6, chunks, chunksFillPercent);
        }
    }

    int run(Path dataDirectory, boolean checkOnly, boolean force, boolean keepOld) {
        Path file = dataDirectory.resolve(EmbeddedMongo.DATA_FILE);
        Path copy = dataDirectory.resolve(EmbeddedMongo.DATA_FILE + COPY_SUFFIX);
        if (!Files.isRegularFile(file)) {
            out.println("ops/compact: no embedded store at " + file);
            return 1;
        }
        // one compaction at a time: read-only opens of the store do not exclude each other, and both would write the copy
        try (FileChannel lockFile = FileChannel.open(dataDirectory.resolve(EmbeddedMongo.DATA_FILE + LOCK_SUFFIX),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                out.println("ops/compact: another ops/compact is running on " + dataDirectory);
                return 1;
            }
            Files.deleteIfExists(copy); // a copy left by an interrupted run: the store was never replaced
            long started = System.nanoTime();
            MVStore opened;
            try {
                opened = openReadOnly(file);
            } catch (MVStoreException e) {
                out.println("ops/compact: cannot open " + file + " (is the embedded MongoDB still running? stop it "
                        + "first): " + e.getMessage());
                return 1;
            }
            try (MVStore source = opened) {
                Figures before = Figures.of(source, file);
                out.println("ops/compact: " + file + ": " + before);
                if (checkOnly || (!force && before.chunksFillPercent() >= WORTH_IT)) {
                    out.println(before.chunksFillPercent() >= WORTH_IT
                            ? "ops/compact: nothing to gain (" + WORTH_IT + " % or more live); --force compacts anyway"
                            : "ops/compact: compacting would give back about "
                                    + String.format(Locale.ROOT, "%,.0f MB", (100 - before.chunksFillPercent())
                                            * before.fileBytes() / 100 / 1e6));
                    return 0;
                }
                long live = before.fileBytes() * before.chunksFillPercent() / 100;
                long need = live * 11 / 10 + (64 << 20);
                long free = Files.getFileStore(dataDirectory).getUsableSpace();
                if (free < need) {
                    out.printf(Locale.ROOT, "ops/compact: the copy needs about %,.0f MB free beside the store, and "
                            + "%,.0f MB are free%n", need / 1e6, free / 1e6);
                    return 1;
                }
                try (MVStore target = new MVStore.Builder().fileName(copy.toString()).open();
                        Progress progress = new Progress(copy, live)) {
                    MVStoreTool.compact(source, target);
                }
            }
            sync(copy);
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
                Path old = dataDirectory.resolve(EmbeddedMongo.DATA_FILE + OLD_SUFFIX);
                if (keepOld) {
                    Files.deleteIfExists(old);
                    Files.createLink(old, file); // the same bytes under a second name, before the rename drops the first
                }
                Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                sync(dataDirectory);
                out.println("ops/compact: done in " + String.format(Locale.ROOT, "%.0f s", seconds(started)) + ": "
                        + after + (keepOld ? "; the old file is " + old : ""));
                return 0;
            }
        } catch (MVStoreException e) {
            out.println("ops/compact: failed, the store is as it was: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            out.println("ops/compact: " + e);
            return 1;
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
        private final AtomicBoolean done = new AtomicBoolean();
        private final Thread thread;

        Progress(Path copy, long expected) {
            thread = new Thread(() -> {
                while (!done.get()) {
                    try {
                        Thread.sleep(5_000);
                        if (!done.get() && Files.exists(copy)) {
                            out.printf(Locale.ROOT, "ops/compact: copied %,.0f of about %,.0f MB%n",
                                    Files.size(copy) / 1e6, expected / 1e6);
                        }
                    } catch (InterruptedException | IOException e) {
                        return;
                    }
                }
            }, "compact-progress");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() {
            done.set(true);
            thread.interrupt();
        }
    }
}
