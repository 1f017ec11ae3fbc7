package org.coverledger.ops.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.google.crypto.tink.StreamingAead;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.sun.tools.attach.VirtualMachine;
import org.bson.types.ObjectId;
import org.coverledger.materials.MaterialStore;
import org.coverledger.privacy.SubjectKeys;

/**
 * Claim materials over HTTP against a running system (started by {@code ops/bench --materials} as
 * {@code ops/run} starts it, on its own data directory and ports): upload throughput (MB/s) of
 * 1 MB and 10 MB files at 1 and 4 clients ({@code POST /api/claims/{id}/materials}, multipart, as
 * the customer alice with a bearer token) and download throughput from the query side, each beside
 * two limits measured on the same MongoDB in the same run: the raw driver's GridFS
 * ({@code uploadFromStream} / {@code downloadToStream} of the same bytes, the same chunk size) and
 * {@link MaterialStore} itself called in this process (sealing, hashing and the download's double
 * read, without HTTP, multipart, type detection or commands). Then what a 10 MB upload costs the
 * command side's heap: bytes allocated per upload (the JVM's own per-thread allocation counters,
 * read over JMX after attaching to the command side's process; beside them Micrometer's
 * {@code jvm.gc.memory.allocated} from the actuator) and the heap in use during 4 concurrent
 * uploads. Prints a Markdown report; asserts nothing.
 *
 * <p>Arguments: command URL, query URL, MongoDB port, then {@code [--quick] [--out FILE]
 * [--command-pid PID]} (without a pid, or where attaching fails, the memory figures come from the
 * actuator alone).
 */
public final class MaterialsBenchmark {

    private static final int MB = 1_000_000;
    private static final int[] SIZES = {MB, 10 * MB};
    private static final int[] CLIENTS = {1, 4};
    private static final int PER_CLAIM = 50;
    private static final long MAX_BYTES = 10_485_760;
    private static final byte[] PDF = "%PDF-1.4\n".getBytes(StandardCharsets.US_ASCII);
    private static final String[] INCIDENTS = {"FIRE", "WATER_DAMAGE", "BURGLARY"};
    private static final Pattern CLAIM_ID = Pattern.compile("\"claimId\":\"([^\"]+)\"");
    private static final Pattern MATERIAL_ID = Pattern.compile("\"materialId\":\"([^\"]+)\"");
    private static final Pattern SHA256 = Pattern.compile("\"sha256\":\"([^\"]+)\"");
    private static final Pattern VALUE = Pattern.compile("\"value\":([0-9.Ee+-]+)");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8)).build();
    private final String commandUrl;
    private final String queryUrl;
    private final String alice;
    private String root;
    private final String card;
    private final List<String> report = new ArrayList<>();
    /** Claims open for more materials, each used by one client at a time. */
    private final ConcurrentLinkedDeque<OpenClaim> claims = new ConcurrentLinkedDeque<>();
    private final List<String[]> incidents = new ArrayList<>(); // policy id, incident type: not yet claimed
    private final AtomicInteger claimsOpened = new AtomicInteger();
    /** Claims opened while an upload waited for one (the others were opened between cells). */
    private final AtomicInteger openedWaiting = new AtomicInteger();
    /** Per file size, a buffer per client; each use stamps it anew, so that no two files are alike. */
    private final Map<Integer, BlockingQueue<byte[]>> buffers = new ConcurrentHashMap<>();
    private final long nonce = ThreadLocalRandom.current().nextLong();
    private final AtomicLong stamp = new AtomicLong();

    private final Map<Integer, List<Uploaded>> httpFiles = new ConcurrentHashMap<>();
    private final Map<Integer, List<ObjectId>> rawFiles = new ConcurrentHashMap<>();
    private final Map<Integer, List<MaterialStore.Stored>> storeFiles = new ConcurrentHashMap<>();

    private GridFSBucket raw;
    private MongoDatabase rawDb;
    private MongoDatabase storeDb;
    private MongoDatabase appDb;
    private MaterialStore store;
    private SubjectKeys keys;
    private static final String STORE_SUBJECT = "bench-subject";

    private final class OpenClaim {
        final String id;
        int used;

        OpenClaim(String id) {
            this.id = id;
        }
    }

    private record Uploaded(String claimId, String materialId, String sha256, int size) {
    }

    private MaterialsBenchmark(String commandUrl, String queryUrl) throws Exception {
        this.commandUrl = commandUrl;
        this.queryUrl = queryUrl;
        this.alice = HttpBenchmark.login(http, commandUrl, "alice", "alice-pass");
        this.root = HttpBenchmark.login(http, commandUrl, "root", "root-pass");
        this.card = HttpBenchmark.bindCard(http, commandUrl, alice);
        for (int size : SIZES) {
            BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(4);
            for (int i = 0; i < 4; i++) {
                byte[] content = new byte[size];
                ThreadLocalRandom.current().nextBytes(content);
                System.arraycopy(PDF, 0, content, 0, PDF.length);
                queue.add(content);
            }
            buffers.put(size, queue);
            httpFiles.put(size, new CopyOnWriteArrayList<>());
            rawFiles.put(size, new CopyOnWriteArrayList<>());
            storeFiles.put(size, new CopyOnWriteArrayList<>());
        }
    }

    public static void main(String[] args) throws Exception {
        HttpBenchmark.Target target = HttpBenchmark.Target.of(args);
        boolean quick = target.quick();
        String pid = target.option("--command-pid");
        Duration window = Duration.ofSeconds(quick ? 3 : 10);
        MaterialsBenchmark bench = new MaterialsBenchmark(target.commandUrl(), target.queryUrl());
        Jvm jvm = pid == null ? null : Jvm.attach(pid);
        try (MongoClient mongo = MongoClients.create("mongodb://127.0.0.1:" + target.mongoPort())) {
            bench.rawDb = mongo.getDatabase("bench-raw");
            bench.raw = GridFSBuckets.create(bench.rawDb, "materials");
            bench.storeDb = mongo.getDatabase("bench-store");
            bench.appDb = mongo.getDatabase("coverledger");
            bench.keys = new SubjectKeys(bench.storeDb, SubjectKeys.randomMasterKey());
            bench.store = new MaterialStore(bench.storeDb, bench.keys);
            bench.header(window, jvm);
            Duration warmUp = Duration.ofSeconds(quick ? 16 : 40);
            bench.progress("warming up");
            bench.warmUp(warmUp, quick ? 100 * MB : 160 * MB);
            bench.report.add("Before the first cell, " + warmUp.toSeconds() + " s of the same uploads and downloads "
                    + "(HTTP, the store and the raw driver, both sizes, 2 clients), not measured, so that the JVMs' "
                    + "compilers have done their work.");
            bench.report.add("");
            // downloads first, while the buckets hold the warm-up's files only (see the note on scans)
            bench.progress("downloads");
            List<String> downloads = bench.downloads(window);
            bench.progress("uploads");
            bench.uploads(window);
            bench.report.addAll(downloads);
            bench.report.add(String.format(Locale.ROOT, "After the upload cells (%d chunks in the raw driver's bucket) "
                    + "the same raw download of a 1 MB file took %.1f ms.", bench.chunks(bench.rawDb, "materials"),
                    bench.downloadFromFullBucket()));
            bench.report.add("");
            bench.progress("in memory");
            bench.inMemory(quick);
            bench.progress("memory");
            bench.memory(jvm, quick);
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        } finally {
            if (jvm != null) {
                jvm.close();
            }
        }
        target.finish(bench.report);
    }

    private final long began = System.nanoTime();

    private void progress(String phase) {
        System.err.printf(Locale.ROOT, "MaterialsBenchmark: %s (%.0f s in)%n", phase, (System.nanoTime() - began) / 1e9);
    }

    private void header(Duration window, Jvm jvm) {
        report.add("## Claim materials benchmark (issue 12), " + LocalDateTime.now().withNano(0));
        report.add("");
        report.add(String.format(Locale.ROOT, "Machine: %d cores, Java %s. A fresh `ops/run` (embedded MongoDB "
                + "committing every write, both apps) on its own data directory; this client in another process. "
                + "Files of 1 MB and 10 MB (10^6 and 10^7 bytes: a PDF header, then random bytes, each file stamped "
                + "so that none is alike), uploaded as the customer `alice` with a bearer token "
                + "(`POST /api/claims/{id}/materials`, multipart: `category`, `file`; 201 each) to claims of her "
                + "home-cover policies, at most %d a claim, each claim used by one client at a time; downloaded "
                + "from the query side (`GET /api/claims/{id}/materials/{materialId}`, 200, read through). "
                + "%d s per cell. Beside them, on the same MongoDB in the same run, in databases of their own: the "
                + "**raw driver**'s GridFS (`uploadFromStream` of the same bytes, `downloadToStream`; chunks of %d "
                + "bytes, the driver's default, which `MaterialStore` keeps) and **the store**, `MaterialStore` "
                + "called in this process (the same code the apps run: sealed with the streaming AEAD as it "
                + "streams, SHA-256 on the way in; a download read and hashed through once, then read again to "
                + "serve), without HTTP, multipart, type detection or commands. MB/s are 10^6 bytes a second.",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), PER_CLAIM,
                window.toSeconds(), raw.getChunkSizeBytes()));
        report.add("");
        if (jvm == null) {
            report.add("(The command side's process could not be attached to: the memory figures come from the "
                    + "actuator alone.)");
            report.add("");
        }
    }

    // ---------------------------------------------------------------- set-up: claims and files

    /** A claim with room for another material, for one client's exclusive use until {@link #release}. */
    private OpenClaim claim() throws Exception {
        OpenClaim open = claims.pollFirst();
        if (open == null) {
            openedWaiting.incrementAndGet();
            return openClaim();
        }
        return open;
    }

    private void release(OpenClaim claim) {
        if (claim.used < PER_CLAIM) {
            claims.addFirst(claim);
        }
    }

    /** Claims opened ahead, so that the cells seldom open one while they are timed. */
    private void ensureRoom(int uploads) throws Exception {
        int room = claims.stream().mapToInt(c -> PER_CLAIM - c.used).sum();
        while (room < uploads) {
            claims.addLast(openClaim());
            room += PER_CLAIM;
        }
    }

    /** A claim on one of alice's policies for an incident of today (one open claim per policy, date and type). */
    private OpenClaim openClaim() throws Exception {
        String[] incident;
        synchronized (incidents) {
            if (incidents.isEmpty()) {
                String policyId = HttpBenchmark.buyPolicy(http, commandUrl, alice, card);
                for (String type : INCIDENTS) {
                    incidents.add(new String[] {policyId, type});
                }
            }
            incident = incidents.remove(0);
        }
        HttpResponse<String> reply = HttpBenchmark.post(http, commandUrl, alice, "/api/claims", """
                {"policyId":"%s","incidentDate":"%s","incidentType":"%s","description":"Benchmark claim",
                 "amountClaimed":"1000.00","payoutCardId":"%s"}""".formatted(incident[0],
                LocalDate.now(ZoneId.of("Asia/Shanghai")), incident[1], card));
        Matcher id = CLAIM_ID.matcher(reply.body());
        if (reply.statusCode() != 201 || !id.find()) {
            throw new IllegalStateException("a claim failed: " + reply.statusCode() + " " + reply.body());
        }
        claimsOpened.incrementAndGet();
        return new OpenClaim(id.group(1));
    }

    @FunctionalInterface
    private interface WithFile<T> {
        T apply(byte[] content) throws Exception;
    }

    /** Runs the action with one of the size's buffers, stamped first so that its bytes are a file of their own. */
    private <T> T withFile(int size, WithFile<T> action) throws Exception {
        byte[] content = buffers.get(size).take();
        try {
            ByteBuffer.wrap(content, PDF.length, 16).putLong(nonce).putLong(stamp.incrementAndGet());
            return action.apply(content);
        } finally {
            buffers.get(size).add(content);
        }
    }

    // ---------------------------------------------------------------- one upload, one download, each way

    private Uploaded uploadHttp(int size) throws Exception {
        OpenClaim claim = claim();
        try {
            return withFile(size, content -> {
                String boundary = "----coverledger-bench" + UUID.randomUUID();
                byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nINVOICE"
                        + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"invoice.pdf\""
                        + "\r\nContent-Type: application/pdf\r\n\r\n").getBytes(StandardCharsets.UTF_8);
                byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
                HttpResponse<String> reply = http.send(HttpRequest.newBuilder(
                                URI.create(commandUrl + "/api/claims/" + claim.id + "/materials"))
                        .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + alice)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(head, content, tail))).build(),
                        HttpResponse.BodyHandlers.ofString());
                Matcher material = MATERIAL_ID.matcher(reply.body());
                Matcher sha = SHA256.matcher(reply.body());
                if (reply.statusCode() != 201 || !material.find() || !sha.find()) {
                    throw new IllegalStateException("an upload failed: " + reply.statusCode() + " " + reply.body());
                }
                claim.used++;
                Uploaded uploaded = new Uploaded(claim.id, material.group(1), sha.group(1), size);
                httpFiles.get(size).add(uploaded);
                return uploaded;
            });
        } finally {
            release(claim);
        }
    }

    private void uploadRaw(int size) throws Exception {
        withFile(size, content -> rawFiles.get(size).add(raw.uploadFromStream("file-" + stamp.get(),
                new ByteArrayInputStream(content))));
    }

    private void uploadStore(int size) throws Exception {
        withFile(size, content -> storeFiles.get(size).add(store.store(STORE_SUBJECT, "bench-claim",
                UUID.randomUUID().toString(), new ByteArrayInputStream(content), MAX_BYTES)));
    }

    private void downloadHttp(int size) throws Exception {
        Uploaded file = pick(httpFiles.get(size));
        HttpResponse<InputStream> reply = http.send(HttpRequest.newBuilder(URI.create(queryUrl + "/api/claims/"
                        + file.claimId() + "/materials/" + file.materialId())).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + alice).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        long read;
        try (InputStream body = reply.body()) {
            read = body.transferTo(OutputStream.nullOutputStream());
        }
        if (reply.statusCode() != 200 || read != size) {
            throw new IllegalStateException("a download failed: " + reply.statusCode() + ", " + read + " bytes");
        }
    }

    private void downloadRaw(int size) {
        raw.downloadToStream(pick(rawFiles.get(size)), OutputStream.nullOutputStream());
    }

    private void downloadStore(int size) throws IOException {
        MaterialStore.Stored file = pick(storeFiles.get(size));
        try (InputStream in = store.open(STORE_SUBJECT, file.materialId(), file.sha256())) {
            if (in.transferTo(OutputStream.nullOutputStream()) != size) {
                throw new IllegalStateException("the store served a file short");
            }
        }
    }

    private static <T> T pick(List<T> files) {
        return files.get(ThreadLocalRandom.current().nextInt(files.size()));
    }

    /** Waits (bounded) until the query side has every claim's latest material (304 on its ETag). */
    private void awaitProjected() throws Exception {
        Map<String, Uploaded> latest = new ConcurrentHashMap<>();
        for (int size : SIZES) {
            for (Uploaded file : httpFiles.get(size)) {
                latest.put(file.claimId(), file); // per claim, uploads are recorded in order
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (Uploaded file : latest.values()) {
            while (true) {
                HttpResponse<Void> reply = http.send(HttpRequest.newBuilder(URI.create(queryUrl + "/api/claims/"
                                + file.claimId() + "/materials/" + file.materialId()))
                        .header("Authorization", "Bearer " + alice).header("If-None-Match", "\"" + file.sha256() + "\"")
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (reply.statusCode() == 304 || reply.statusCode() == 200) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the query side did not show material " + file.materialId()
                            + ": " + reply.statusCode());
                }
                Thread.sleep(100);
            }
        }
    }

    private void quiesce() throws Exception {
        awaitProjected();
        Thread.sleep(1000);
    }

    private long chunks(MongoDatabase database, String bucket) {
        return database.getCollection(bucket + ".chunks").estimatedDocumentCount();
    }

    /**
     * Deletes files from the raw driver's and the store's buckets, or adds 10 MB files to them, until
     * each holds about as many chunks as the apps' bucket: the embedded server finds a file's chunks by
     * scanning its bucket's chunks (below), so downloads are compared on buckets of one size.
     */
    private void equalizeBuckets() throws Exception {
        long target = chunks(appDb, MaterialStore.BUCKET);
        int perLarge = (int) Math.ceil(10.0 * MB / raw.getChunkSizeBytes());
        while (chunks(rawDb, "materials") > target + perLarge) {
            List<ObjectId> files = rawFiles.get(rawFiles.get(10 * MB).size() > 10 ? 10 * MB : MB);
            raw.delete(files.remove(files.size() - 1));
        }
        while (chunks(rawDb, "materials") < target) {
            uploadRaw(10 * MB);
        }
        while (chunks(storeDb, MaterialStore.BUCKET) > target + perLarge) {
            List<MaterialStore.Stored> files = storeFiles.get(storeFiles.get(10 * MB).size() > 10 ? 10 * MB : MB);
            store.delete(files.remove(files.size() - 1).materialId());
        }
        while (chunks(storeDb, MaterialStore.BUCKET) < target) {
            uploadStore(10 * MB);
        }
    }

    /** A raw GridFS download of one 1 MB file, median ms of 10, from a bucket that holds nothing else. */
    private double downloadFromEmptyBucket() throws Exception {
        GridFSBucket probe = GridFSBuckets.create(rawDb, "probe");
        ObjectId id = withFile(MB, content -> probe.uploadFromStream("probe", new ByteArrayInputStream(content)));
        double[] ms = new double[10];
        for (int i = -3; i < ms.length; i++) {
            long start = System.nanoTime();
            probe.downloadToStream(id, OutputStream.nullOutputStream());
            if (i >= 0) {
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        probe.drop();
        Arrays.sort(ms);
        return HttpBenchmark.percentile(ms, 0.5);
    }

    /** A raw GridFS download of one of the cells' 1 MB files, median ms of 10. */
    private double downloadFromFullBucket() {
        double[] ms = new double[10];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            downloadRaw(MB);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return HttpBenchmark.percentile(ms, 0.5);
    }

    // ---------------------------------------------------------------- warm-up and throughput

    /** The warm-up, its uploads stopped at {@code budget} bytes a way (the downloads then read buckets of that size). */
    private void warmUp(Duration duration, long budget) throws Exception {
        ensureRoom((int) (budget / MB) + 10);
        Duration part = duration.dividedBy(4);
        AtomicLong overHttp = new AtomicLong();
        HttpBenchmark.run(2, part.multipliedBy(2), () -> within(budget, overHttp, () -> uploadHttp(MB),
                () -> uploadHttp(10 * MB)));
        AtomicLong direct = new AtomicLong();
        HttpBenchmark.run(2, part, () -> {
            int size = ThreadLocalRandom.current().nextInt(8) == 0 ? 10 * MB : MB;
            if (direct.addAndGet(size) <= budget) {
                uploadRaw(size);
                uploadStore(size);
            }
            downloadRaw(size);
            downloadStore(size);
            return true;
        });
        for (int size : SIZES) {
            if (httpFiles.get(size).isEmpty()) {
                uploadHttp(size);
            }
            if (rawFiles.get(size).isEmpty()) {
                uploadRaw(size);
            }
            if (storeFiles.get(size).isEmpty()) {
                uploadStore(size);
            }
        }
        awaitProjected();
        HttpBenchmark.run(2, part, () -> {
            downloadHttp(ThreadLocalRandom.current().nextInt(4) == 0 ? 10 * MB : MB);
            return true;
        });
    }

    /** One 1 MB upload, or one in eight a 10 MB one, until the bytes reach the budget; then a pause. */
    private static boolean within(long budget, AtomicLong spent, Pause small, Pause large) throws Exception {
        if (spent.get() >= budget) {
            Thread.sleep(50);
            return false;
        }
        boolean isLarge = ThreadLocalRandom.current().nextInt(8) == 0;
        spent.addAndGet(isLarge ? 10 * MB : MB);
        (isLarge ? large : small).run();
        return true;
    }

    private record Cell(int clients, int size, double http, double store, double raw, long calls) {
    }

    @FunctionalInterface
    private interface Transfer {
        void of(int size) throws Exception;
    }

    @FunctionalInterface
    private interface Pause {
        void run() throws Exception;
    }

    /** One cell: files of the size moved over HTTP, then (after {@code between}) by the store, then by the raw driver. */
    private Cell cell(int clients, Duration window, int size, Transfer overHttp, Pause between, Transfer byStore,
                      Transfer byRaw) throws Exception {
        AtomicLong calls = new AtomicLong();
        double http = megabytesPerSecond(clients, window, size, () -> {
            overHttp.of(size);
            calls.incrementAndGet();
        });
        between.run();
        return new Cell(clients, size, http, megabytesPerSecond(clients, window, size, () -> byStore.of(size)),
                megabytesPerSecond(clients, window, size, () -> byRaw.of(size)), calls.get());
    }

    private double megabytesPerSecond(int clients, Duration window, int size, Pause call) throws InterruptedException {
        return HttpBenchmark.run(clients, window, () -> {
            call.run();
            return true;
        }) * size / MB;
    }

    private void uploads(Duration window) throws Exception {
        List<Cell> cells = new ArrayList<>();
        for (int size : SIZES) {
            for (int clients : CLIENTS) {
                ensureRoom(size == MB ? 400 : 80);
                // the query side projects the HTTP cell's uploads before the next cell is timed
                cells.add(cell(clients, window, size, this::uploadHttp, this::quiesce, this::uploadStore,
                        this::uploadRaw));
            }
        }
        report.add("### Upload throughput (MB/s)");
        report.add("");
        table(cells, "uploads over HTTP");
        report.add(String.format(Locale.ROOT, "(%d claims were opened for these uploads and the warm-up's, %d of "
                + "them while an upload waited for one; the others between cells.)", claimsOpened.get(),
                openedWaiting.get()));
        report.add("");
        fixedAndPerByte(cells, "an upload");
    }

    /** The download cells; their lines for the report, which prints them after the uploads. */
    private List<String> downloads(Duration window) throws Exception {
        List<String> uploadLines = new ArrayList<>(report);
        report.clear();
        awaitProjected();
        equalizeBuckets();
        double alone = downloadFromEmptyBucket();
        double amongAll = downloadFromFullBucket();
        List<Cell> cells = new ArrayList<>();
        for (int size : SIZES) {
            for (int clients : CLIENTS) {
                cells.add(cell(clients, window, size, this::downloadHttp, () -> { }, this::downloadStore,
                        this::downloadRaw));
            }
        }
        report.add("### Download throughput (MB/s)");
        report.add("");
        report.add(String.format(Locale.ROOT, "Drawn at random from the files the warm-up uploaded (%d of 1 MB, %d of 10 MB "
                + "over HTTP; the store's and the raw driver's buckets trimmed or topped up with 10 MB files to as "
                + "many chunks: %d in the apps' bucket, %d in the store's, %d in the raw driver's).",
                httpFiles.get(MB).size(), httpFiles.get(10 * MB).size(), chunks(appDb, MaterialStore.BUCKET),
                chunks(storeDb, MaterialStore.BUCKET), chunks(rawDb, "materials")));
        report.add("");
        report.add(String.format(Locale.ROOT, "The embedded server answers GridFS's chunk query (`files_id` equal, "
                + "`n` from 0, sorted by `n`) by scanning the bucket's chunks: the raw driver's download of a 1 MB "
                + "file took %.1f ms (median of 10) from a bucket holding only it, %.1f ms from the bucket of the "
                + "cells below (measured before the upload cells, which add to the buckets). Download figures "
                + "here grow with what the bucket holds; a real MongoDB uses the chunk index.", alone, amongAll));
        report.add("");
        table(cells, "downloads over HTTP");
        fixedAndPerByte(cells, "a download");
        List<String> lines = new ArrayList<>(report);
        report.clear();
        report.addAll(uploadLines);
        return lines;
    }

    private void table(List<Cell> cells, String what) {
        report.add("| file | clients | " + what + " | HTTP MB/s | store MB/s | raw GridFS MB/s | HTTP / raw | store / raw "
                + "| HTTP / store |");
        report.add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Cell cell : cells) {
            report.add(String.format(Locale.ROOT, "| %d MB | %d | %d | %.1f | %.1f | %.1f | %.0f%% | %.0f%% | %.0f%% |",
                    cell.size() / MB, cell.clients(), cell.calls(), cell.http(), cell.store(), cell.raw(),
                    100 * cell.http() / cell.raw(), 100 * cell.store() / cell.raw(), 100 * cell.http() / cell.store()));
        }
        report.add("");
    }

    /**
     * From the one-client cells of both sizes, a file's time split into what every file costs whatever its
     * size (t = fixed + size x per MB, two points): the fixed part is requests, commands and their events,
     * the per-MB part what each byte costs.
     */
    private void fixedAndPerByte(List<Cell> cells, String what) {
        Cell small = cells.stream().filter(c -> c.clients() == 1 && c.size() == MB).findFirst().orElseThrow();
        Cell large = cells.stream().filter(c -> c.clients() == 1 && c.size() == 10 * MB).findFirst().orElseThrow();
        report.add("One client, the time of " + what + " split in two (from the 1 MB and 10 MB cells: time = fixed "
                + "+ MB x per MB):");
        report.add("");
        report.add("| | fixed ms | ms per MB |");
        report.add("|---|---:|---:|");
        String[] names = {"HTTP", "store", "raw GridFS"};
        for (int i = 0; i < 3; i++) {
            double smallMs = 1000.0 / (i == 0 ? small.http() : i == 1 ? small.store() : small.raw()); // 1 MB
            double largeMs = 10_000.0 / (i == 0 ? large.http() : i == 1 ? large.store() : large.raw()); // 10 MB
            double perMb = (largeMs - smallMs) / 9;
            report.add(String.format(Locale.ROOT, "| %s | %.1f | %.2f |", names[i], smallMs - perMb, perMb));
        }
        report.add("");
    }

    // ---------------------------------------------------------------- in memory: what sealing and hashing cost

    private void inMemory(boolean quick) throws Exception {
        int rounds = quick ? 10 : 30;
        byte[] content = buffers.get(10 * MB).peek();
        StreamingAead aead = keys.filesAead(STORE_SUBJECT, true).orElseThrow();
        byte[] associated = "claim-material:bench".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream sealed = new java.io.ByteArrayOutputStream(content.length + content.length / 100);
        double sha = 0;
        double seal = 0;
        double open = 0;
        for (int round = -3; round < rounds; round++) { // three rounds unmeasured
            long start = System.nanoTime();
            MessageDigest.getInstance("SHA-256").digest(content);
            long hashed = System.nanoTime();
            sealed.reset();
            try (OutputStream out = aead.newEncryptingStream(sealed, associated)) {
                for (int at = 0; at < content.length; at += 16 * 1024) {
                    out.write(content, at, Math.min(16 * 1024, content.length - at));
                }
            }
            long closed = System.nanoTime();
            try (InputStream in = aead.newDecryptingStream(new ByteArrayInputStream(sealed.toByteArray()), associated)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            long opened = System.nanoTime();
            if (round >= 0) {
                sha += (hashed - start) / 1e9;
                seal += (closed - hashed) / 1e9;
                open += (opened - closed) / 1e9;
            }
        }
        double megabytes = rounds * (double) content.length / MB;
        report.add("### In memory, one thread of this process");
        report.add("");
        report.add(String.format(Locale.ROOT, "A 10 MB file %d times: what the byte-wise work of the store costs on "
                + "this machine without any I/O (a sealed 10 MB file is %d bytes: a 16-byte tag a 64 KiB segment).",
                rounds, sealed.size()));
        report.add("");
        report.add("| step | MB/s | ms per 10 MB |");
        report.add("|---|---:|---:|");
        report.add(String.format(Locale.ROOT, "| SHA-256 | %.0f | %.1f |", megabytes / sha, 1000 * sha / rounds));
        report.add(String.format(Locale.ROOT, "| seal (AES-GCM-HKDF streaming) | %.0f | %.1f |", megabytes / seal,
                1000 * seal / rounds));
        report.add(String.format(Locale.ROOT, "| open | %.0f | %.1f |", megabytes / open, 1000 * open / rounds));
        report.add("");
    }

    // ---------------------------------------------------------------- memory on the command side

    /** The command side's JVM over JMX (the attach API starts its local management agent). */
    static final class Jvm implements AutoCloseable {
        private final JMXConnector connector;
        private final com.sun.management.ThreadMXBean threads;
        private final MemoryMXBean memory;
        private final List<GarbageCollectorMXBean> collectors;

        private Jvm(JMXConnector connector) throws IOException {
            this.connector = connector;
            MBeanServerConnection server = connector.getMBeanServerConnection();
            this.threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME,
                    com.sun.management.ThreadMXBean.class);
            this.memory = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME,
                    MemoryMXBean.class);
            this.collectors = ManagementFactory.getPlatformMXBeans(server, GarbageCollectorMXBean.class);
        }

        static Jvm attach(String pid) {
            try {
                VirtualMachine vm = VirtualMachine.attach(pid);
                String address;
                try {
                    address = vm.startLocalManagementAgent();
                } finally {
                    vm.detach();
                }
                return new Jvm(JMXConnectorFactory.connect(new JMXServiceURL(address)));
            } catch (Exception e) {
                System.err.println("MaterialsBenchmark: could not attach to the command side (pid " + pid + "): " + e);
                return null;
            }
        }

        /** Every byte any thread has allocated on the heap since the JVM started (threads ended included). */
        long allocated() {
            return threads.getTotalThreadAllocatedBytes();
        }

        long heapUsed() {
            return memory.getHeapMemoryUsage().getUsed();
        }

        long heapMax() {
            return memory.getHeapMemoryUsage().getMax();
        }

        long collections() {
            return collectors.stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
        }

        String collectorNames() {
            return String.join(", ", collectors.stream().map(GarbageCollectorMXBean::getName).toList());
        }

        /** A full collection (System.gc()), then the heap in use right after it. */
        long collectAndMeasure() throws InterruptedException {
            memory.gc();
            long used = heapUsed();
            Thread.sleep(300); // Micrometer's GC listener counts the collection's young generation
            return used;
        }

        @Override
        public void close() throws IOException {
            connector.close();
        }
    }

    /** A command-side actuator metric's first measurement, as root with a bearer token. */
    private double metric(String name, String tag) throws Exception {
        return metric(name, tag, false);
    }

    private double metric(String name, String tag, boolean retried) throws Exception {
        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(commandUrl + "/actuator/metrics/" + name
                        + (tag == null ? "" : "?tag=" + tag))).header("Authorization", "Bearer " + root).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (reply.statusCode() == 401 && !retried) { // the token idled out while the cells ran
            root = HttpBenchmark.login(http, commandUrl, "root", "root-pass");
            return metric(name, tag, true);
        }
        Matcher value = VALUE.matcher(reply.body());
        if (reply.statusCode() != 200 || !value.find()) {
            throw new IllegalStateException("metric " + name + ": " + reply.statusCode() + " " + reply.body());
        }
        return Double.parseDouble(value.group(1));
    }

    private record Allocation(int size, int uploads, double seconds, double perUpload, double gcPerUpload) {
    }

    /**
     * Bytes allocated on the command side per upload: {@code uploads} one after another, less what the
     * same time at rest allocates (the processors poll, the scheduler ticks). Each span opens and closes
     * with a full collection where the JVM is attached, so that {@code jvm.gc.memory.allocated}, which
     * counts only at collections, has counted all of it.
     */
    private Allocation allocation(Jvm jvm, int size, int uploads) throws Exception {
        ensureRoom(uploads);
        if (jvm != null) {
            jvm.collectAndMeasure();
        }
        long threads0 = jvm == null ? 0 : jvm.allocated();
        double gc0 = metric("jvm.gc.memory.allocated", null);
        long start = System.nanoTime();
        for (int i = 0; i < uploads; i++) {
            uploadHttp(size);
        }
        long took = System.nanoTime() - start;
        if (jvm != null) {
            jvm.collectAndMeasure();
        }
        long threads1 = jvm == null ? 0 : jvm.allocated();
        double gc1 = metric("jvm.gc.memory.allocated", null);
        // at rest for as long
        if (jvm != null) {
            jvm.collectAndMeasure();
        }
        long idle0 = jvm == null ? 0 : jvm.allocated();
        double idleGc0 = metric("jvm.gc.memory.allocated", null);
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(took));
        if (jvm != null) {
            jvm.collectAndMeasure();
        }
        long idle1 = jvm == null ? 0 : jvm.allocated();
        double idleGc1 = metric("jvm.gc.memory.allocated", null);
        return new Allocation(size, uploads, took / 1e9,
                jvm == null ? Double.NaN : ((threads1 - threads0) - (idle1 - idle0)) / (double) uploads,
                ((gc1 - gc0) - (idleGc1 - idleGc0)) / uploads);
    }

    private void memory(Jvm jvm, boolean quick) throws Exception {
        List<Allocation> allocations = List.of(allocation(jvm, MB, quick ? 20 : 60),
                allocation(jvm, 10 * MB, quick ? 8 : 24));
        report.add("### What an upload costs the command side's heap");
        report.add("");
        if (jvm != null) {
            report.add(String.format(Locale.ROOT, "The command side runs with a maximum heap of %.0f MB (%s, the "
                    + "JVM's default: a quarter of the machine's memory). This client attached to it (the JDK's "
                    + "attach API, then JMX) to read its own counters.", jvm.heapMax() / 1e6, jvm.collectorNames()));
            report.add("");
        }
        report.add("**Allocated per upload**, uploads one after another, less what as long at rest allocates:");
        report.add("");
        report.add("| file | uploads | seconds | allocated per upload, MB (thread counters) | per MB of file "
                + "| `jvm.gc.memory.allocated` per upload, MB |");
        report.add("|---:|---:|---:|---:|---:|---:|");
        for (Allocation a : allocations) {
            report.add(String.format(Locale.ROOT, "| %d MB | %d | %.1f | %.1f | %.2f | %.1f |", a.size() / MB,
                    a.uploads(), a.seconds(), a.perUpload() / MB, a.perUpload() / a.size(), a.gcPerUpload() / MB));
        }
        report.add("");
        LongSupplier heap = jvm != null ? jvm::heapUsed : () -> {
            try {
                return (long) metric("jvm.memory.used", "area:heap");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        peakHeap(jvm, heap, quick ? 2 : 4);
    }

    /** Repeats {@code step} on a thread of its own, {@code pauseMs} apart, for as long as {@code body} runs. */
    private static void alongside(HttpBenchmark.Call step, long pauseMs, HttpBenchmark.Call body) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread beside = new Thread(() -> {
            while (!stop.get()) {
                try {
                    step.call();
                    Thread.sleep(pauseMs);
                } catch (Exception e) {
                    return;
                }
            }
        });
        beside.start();
        try {
            body.call();
        } finally {
            stop.set(true);
            beside.join();
        }
    }

    /** Samples the heap in use every 25 ms while {@code body} runs: the samples' maximum, median, count, GCs. */
    private long[] sample(LongSupplier heap, Jvm jvm, HttpBenchmark.Call body) throws Exception {
        List<Long> samples = new CopyOnWriteArrayList<>();
        long collections = jvm == null ? 0 : jvm.collections();
        alongside(() -> samples.add(heap.getAsLong()), 25, body);
        long[] sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        return new long[] {sorted[sorted.length - 1], sorted[sorted.length / 2], sorted.length,
            jvm == null ? -1 : jvm.collections() - collections};
    }

    /** Four clients, each uploading {@code rounds} 10 MB files one after another. */
    private void concurrentUploads(int rounds, AtomicInteger inFlight) throws Exception {
        ensureRoom(4 * rounds);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            done.add(clients.submit(() -> {
                for (int r = 0; r < rounds; r++) {
                    inFlight.incrementAndGet();
                    try {
                        uploadHttp(10 * MB);
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        clients.shutdown();
    }

    private void peakHeap(Jvm jvm, LongSupplier heap, int rounds) throws Exception {
        if (jvm != null) {
            jvm.collectAndMeasure();
        }
        long[] rest = sample(heap, jvm, () -> {
            Thread.sleep(3000);
            return true;
        });
        AtomicInteger inFlight = new AtomicInteger();
        long[] busy = sample(heap, jvm, () -> {
            concurrentUploads(rounds, inFlight);
            return true;
        });
        report.add(String.format(Locale.ROOT, "**Heap in use** (sampled every 25 ms%s), at rest for 3 s after a full "
                + "collection, then while 4 clients each upload %d files of 10 MB one after another:",
                jvm == null ? ", `jvm.memory.used` area:heap from the actuator" : " over JMX", rounds));
        report.add("");
        report.add("| | samples | median MB | peak MB | collections meanwhile |");
        report.add("|---|---:|---:|---:|---:|");
        report.add(String.format(Locale.ROOT, "| at rest | %d | %.0f | %.0f | %s |", rest[2], rest[1] / 1e6,
                rest[0] / 1e6, rest[3] < 0 ? "?" : String.valueOf(rest[3])));
        report.add(String.format(Locale.ROOT, "| 4 concurrent 10 MB uploads | %d | %.0f | %.0f | %s |", busy[2],
                busy[1] / 1e6, busy[0] / 1e6, busy[3] < 0 ? "?" : String.valueOf(busy[3])));
        report.add("");
        report.add(String.format(Locale.ROOT, "Peak during the uploads less the median at rest: **%.0f MB**.",
                (busy[0] - rest[1]) / 1e6));
        report.add("");
        if (jvm == null) {
            return;
        }
        // what the uploads hold: the heap left right after full collections while all four are in flight
        long restLive = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            restLive = Math.min(restLive, jvm.collectAndMeasure());
        }
        List<Long> live = new CopyOnWriteArrayList<>();
        AtomicInteger busyFlight = new AtomicInteger();
        alongside(() -> {
            if (busyFlight.get() == 4) {
                jvm.memory.gc();
                long used = jvm.heapUsed();
                if (busyFlight.get() == 4) {
                    live.add(used);
                }
            }
            return true;
        }, 150, () -> {
            concurrentUploads(rounds, busyFlight);
            return true;
        });
        long[] sorted = live.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            report.add("(No full collection fell while all four uploads were in flight.)");
        } else {
            report.add(String.format(Locale.ROOT, "**Held by the uploads**: the heap in use right after a full "
                    + "collection while all four were in flight, %d collections: median %.1f MB, most %.1f MB above "
                    + "the same after a full collection at rest (%.0f MB).", sorted.length,
                    (sorted[sorted.length / 2] - restLive) / 1e6, (sorted[sorted.length - 1] - restLive) / 1e6,
                    restLive / 1e6));
        }
        report.add("");
    }
}
