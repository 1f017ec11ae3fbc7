package org.coverledger.ops.backup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.coverledger.eventstore.CommitChain;

/**
 * {@code ops/verify-backup DIR}: checks every backup in the directory without restoring it.
 * Each file must have its manifest's size and SHA-256 (and the {@code SHA256SUMS} beside it
 * must agree); each incremental must name the backup before it, that one's manifest's SHA-256,
 * and start where it ended; every file must decompress into whole BSON documents, as many as the
 * manifest says; and the hash chain is computed again over the commits, from the genesis value
 * of each full backup on, and must end at the head the manifest names. The newest backup's copy
 * of the keys must be there (older copies may have been removed on purpose).
 * Exit code 0: valid; 2: not valid (every problem is listed); 1: the check could not run.
 */
public final class VerifyBackup {

    private static final DocumentCodec DOCUMENTS = new DocumentCodec();

    private VerifyBackup() {
    }

    /** The outcome: problems (none: valid) and what was checked, in words. */
    record Report(List<String> problems, List<String> checked) {
        boolean valid() {
            return problems.isEmpty();
        }
    }

    public static void main(String[] args) {
        try {
            Arguments arguments = Arguments.parse(args, Set.of(), Set.of("--keys-dir"));
            if (arguments.positional().size() != 1) {
                System.err.println("usage: ops/verify-backup DIR [--keys-dir DIR]");
                System.exit(1);
            }
            Path directory = Path.of(arguments.positional().get(0));
            Path keys = arguments.keysDirectory(directory);
            Report report = check(directory, keys);
            report.checked().forEach(line -> System.out.println(line));
            if (report.valid()) {
                System.out.println("The backups are whole: every checksum matches and the chain ends at each head named.");
                System.exit(0);
            }
            report.problems().forEach(problem -> System.out.println("PROBLEM: " + problem));
            System.exit(2);
        } catch (Exception e) {
            System.err.println("ops/verify-backup: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Checks every backup in the directory. */
    static Report check(Path directory, Path keysDirectory) throws IOException {
        List<Path> backups = Manifest.backupsIn(directory);
        List<String> problems = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        if (backups.isEmpty()) {
            problems.add("there is no finished backup in " + directory);
            return new Report(problems, checked);
        }
        Manifest before = null;
        Path beforePath = null;
        java.util.Set<String> chunked = new java.util.HashSet<>(); // material files whose chunks the chain holds
        for (Path backup : backups) {
            Manifest manifest;
            try {
                manifest = Manifest.read(backup);
            } catch (IOException e) {
                problems.add(backup.getFileName() + ": the manifest cannot be read: " + e.getMessage());
                before = null;
                continue;
            }
            int found = problems.size();
            checkBackup(backup, manifest, before, beforePath, keysDirectory, backup.equals(backups.get(backups.size() - 1)),
                    problems);
            if (manifest.full()) {
                chunked.clear();
            }
            if (manifest.materialsWithChunks() != null) {
                chunked.addAll(manifest.materialsWithChunks());
            }
            checkMaterials(backup, chunked, problems);
            checked.add(String.format("%s: %s, positions %d to %d, %,d commits, %,d events, head %s%s", manifest.name(),
                    manifest.kind(), manifest.events().from(), manifest.events().to(), manifest.events().commits(),
                    manifest.events().events(), manifest.events().headHash(), problems.size() > found ? " (PROBLEMS)" : " (whole)"));
            before = manifest;
            beforePath = backup;
        }
        return new Report(problems, checked);
    }

    /** Checks one backup, after the one before it in the directory. */
    static void checkBackup(Path backup, Manifest manifest, Manifest before, Path beforePath, Path keysDirectory,
                            boolean newest, List<String> problems) throws IOException {
        String name = backup.getFileName().toString();
        if (!Manifest.FORMAT.equals(manifest.format())) {
            problems.add(name + ": not a backup of this format (" + manifest.format() + ")");
            return;
        }
        if (manifest.events() == null || manifest.files() == null || manifest.keys() == null || manifest.kind() == null) {
            problems.add(name + ": the manifest lacks what every backup names (events, files, keys, kind)");
            return;
        }
        if (!name.equals(manifest.name())) {
            problems.add(name + ": the manifest names it " + manifest.name());
        }
        String genesisLink = CommitChain.hex(CommitChain.GENESIS);
        long headPosition = -1;
        if (!manifest.full()) {
            if (before == null || !before.name().equals(manifest.previous())) {
                problems.add(name + ": it follows " + manifest.previous() + ", which is not the backup before it");
                return;
            }
            if (!Manifest.sha256Of(beforePath).equals(manifest.previousManifestSha256())) {
                problems.add(name + ": the manifest of " + before.name() + " is not the one this backup followed (changed since)");
            }
            if (manifest.events().from() != before.events().to()) {
                problems.add(name + ": its commits start at " + manifest.events().from() + ", not where " + before.name()
                        + " ended (" + before.events().to() + ")");
            }
            genesisLink = before.events().headHash();
            headPosition = before.events().headPosition();
        } else if (manifest.events().from() != 0) {
            problems.add(name + ": a full backup whose commits start at " + manifest.events().from());
        }
        checkSums(backup, manifest, problems);
        for (BsonFile.Written file : manifest.files()) {
            Path path = backup.resolve(file.path());
            if (!Files.isRegularFile(path)) {
                problems.add(name + ": " + file.path() + " is missing");
                continue;
            }
            if (Files.size(path) != file.bytes() || !BsonFile.sha256Of(path).equals(file.sha256())) {
                problems.add(name + ": " + file.path() + " does not match its checksum");
                continue;
            }
            if (file.path().equals(Backup.COMMITS_FILE)) {
                checkCommits(path, manifest, genesisLink, headPosition, problems);
            } else {
                long documents = count(path, name, problems);
                if (documents >= 0 && documents != file.documents()) {
                    problems.add(name + ": " + file.path() + " holds " + documents + " documents, not " + file.documents());
                }
            }
        }
        Manifest.Keys keys = manifest.keys();
        Path keyCopy = keysDirectory.resolve(keys.path());
        if (!Files.isRegularFile(keyCopy)) {
            if (newest) {
                problems.add(name + ": the copy of the keys " + keyCopy + " is missing, and no restore can do without it");
            }
        } else if (!BsonFile.sha256Of(keyCopy).equals(keys.sha256())) {
            problems.add(name + ": the copy of the keys " + keyCopy + " does not match its checksum");
        }
    }

    /** Every material file a backup records must have its chunks in this backup or an earlier one of its chain. */
    private static void checkMaterials(Path backup, java.util.Set<String> chunked, List<String> problems) {
        Path files = backup.resolve(Catalog.MATERIAL_FILES + ".bson.gz");
        if (!Files.isRegularFile(files)) {
            return; // named by the manifest: reported as missing already
        }
        try (BsonFile.Reader reader = new BsonFile.Reader(files)) {
            while (reader.hasNext()) {
                String id = Backup.idKey(reader.next().get("_id"));
                if (!chunked.contains(id)) {
                    problems.add(backup.getFileName() + ": the claim material " + id
                            + " has no chunks in this backup or an earlier one of its chain");
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add(backup.getFileName() + ": " + files.getFileName() + " cannot be read: " + e.getMessage());
        }
    }

    /** The SHA256SUMS file must list exactly the manifest's files and checksums. */
    private static void checkSums(Path backup, Manifest manifest, List<String> problems) throws IOException {
        Path sums = backup.resolve(Manifest.SUMS);
        List<String> expected = manifest.files().stream().map(f -> f.sha256() + "  " + f.path()).toList();
        List<String> found = Files.isRegularFile(sums) ? Files.readAllLines(sums, StandardCharsets.UTF_8) : List.of();
        if (!found.equals(expected)) {
            problems.add(manifest.name() + ": " + Manifest.SUMS + " does not list the manifest's files and checksums");
        }
    }

    private static long count(Path file, String name, List<String> problems) {
        long documents = 0;
        try (BsonFile.Reader reader = new BsonFile.Reader(file)) {
            while (reader.hasNext()) {
                reader.next();
                documents++;
            }
            return documents;
        } catch (IOException | UncheckedIOException e) {
            problems.add(name + ": " + file.getFileName() + " cannot be read: " + e.getMessage());
            return -1;
        }
    }

    /** Computes the chain again over the commits of the file, from the link the backup starts from. */
    private static void checkCommits(Path file, Manifest manifest, String startLink, long headPosition, List<String> problems) {
        String name = manifest.name();
        byte[] link = CommitChain.bytes(startLink);
        long next = manifest.events().from();
        long commits = 0;
        long events = 0;
        long voids = 0;
        try (BsonFile.Reader reader = new BsonFile.Reader(file)) {
            while (reader.hasNext()) {
                RawBsonDocument raw = reader.next();
                Document commit = raw.decode(DOCUMENTS);
                long first = commit.getLong("_id");
                long last = commit.getLong("last");
                if (first != next || last < first || last >= manifest.events().to()) {
                    problems.add(name + (first > next ? ": positions " + next + " to " + (first - 1) + " are missing"
                            : ": the commit at position " + first + " is out of order or outside the backup's positions"));
                    return;
                }
                next = last + 1;
                if (commit.getBoolean("void", false)) {
                    voids++;
                    continue;
                }
                String stored = commit.getString(CommitChain.FIELD);
                byte[] own = CommitChain.linkOf(link, CommitChain.canonical(commit));
                if (stored == null || !Arrays.equals(own, CommitChain.bytes(stored))) {
                    problems.add(name + ": the chain breaks at the commit at position " + first
                            + " (its bytes or the commit before it were changed)");
                    return;
                }
                link = own;
                headPosition = first;
                commits++;
                events += commit.getList("events", Document.class).size();
            }
        } catch (IOException | RuntimeException e) {
            problems.add(name + ": " + file.getFileName() + " cannot be read: " + e.getMessage());
            return;
        }
        if (next != manifest.events().to()) {
            problems.add(name + ": the commits end at position " + next + ", not at " + manifest.events().to()
                    + " as the manifest says");
        }
        if (commits != manifest.events().commits() || events != manifest.events().events() || voids != manifest.events().voidMarkers()) {
            problems.add(String.format("%s: the file holds %d commits, %d events and %d void markers; the manifest says %d, %d and %d",
                    name, commits, events, voids, manifest.events().commits(), manifest.events().events(),
                    manifest.events().voidMarkers()));
        }
        if (!CommitChain.hex(link).equals(manifest.events().headHash()) || headPosition != manifest.events().headPosition()) {
            problems.add(name + ": the chain ends at " + CommitChain.hex(link) + " (position " + headPosition
                    + "), not at the head the manifest names");
        }
    }
}
