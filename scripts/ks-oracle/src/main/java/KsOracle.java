import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.KeyValueMapper;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The Kafka Streams oracle: runs scenarios through TopologyTestDriver and prints what Kafka
 * Streams emitted, so that streamflow's windows and joins can be compared with it.
 *
 * <p>Protocol (JSON Lines): one scenario object per stdin line, one result object per stdout
 * line, in input order, flushed whenever no result is pending. Scenarios run concurrently on
 * {@code -Dksoracle.threads} threads (default: the CPUs, at most 4). A scenario:
 *
 * <pre>
 * {"id": any, "topology": "window", "kind": "tumbling|hopping|sliding|session",
 *  "size": ms, "advance": ms, "grace": ms, "gap": ms, "difference": ms,
 *  "emit": "update|final", "retention": ms or null,
 *  "records": [{"topic": "input", "key": str|null, "value": str|null, "ts": ms,
 *               "partition": n (optional, default 0)}]}
 * {"id": any, "topology": "join",
 *  "type": "stream-stream|stream-table|stream-globaltable|table-table|foreign-key",
 *  "kind": "inner|left|outer", "before": ms, "after": ms, "grace": ms,
 *  "records": [{"topic": "left|right", ...}]}
 * </pre>
 *
 * The aggregate is string concatenation: initializer "", adder agg + "," + (v or "N"),
 * session merger a + "|" + b. The joiner is "(" + left + "," + right + ")" ("null" for a
 * missing side); a foreign-key left value "fk:n" names right key fk ("_": null FK), and so
 * does a stream value in a stream-globaltable join.
 * Each partition is its own TopologyTestDriver (its own task and stream time), as a
 * partition is its own task in Kafka Streams. Result:
 *
 * <pre>
 * {"id": any, "outputs": [{"index": i, "key": k, "value": v, "ts": t,
 *                          "start": s, "end": e (windows only)}],
 *  "store": [{"partition": p, "key": k, "start": s, "end": e, "value": v}] (windows only)}
 * or {"id": any, "error": text}
 * </pre>
 *
 * "store" is what the aggregation's store shows at the end of the input for each key (every
 * window it still holds and does not hide), as interactive queries would read it.
 *
 * "index" is the position in "records" of the input whose processing produced the output.
 * Settings: record caches off (every update is forwarded), default RocksDB stores, the
 * outer-join emit interval 0 (no wall-clock throttling of non-joined results).
 */
public final class KsOracle {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KsOracle() {}

    public static void main(String[] args) throws Exception {
        int threads = Integer.getInteger("ksoracle.threads",
                                         Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "scenario");
            t.setDaemon(true);
            return t;
        });
        // Scenarios run concurrently (each in its own drivers); results leave in input order.
        BlockingQueue<Future<String>> pending = new LinkedBlockingQueue<>();
        Future<String> end = CompletableFuture.completedFuture(null);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    Future<String> next = pending.take();
                    if (next == end) {
                        return;
                    }
                    out.println(next.get());
                    if (pending.isEmpty()) {
                        out.flush();
                    }
                }
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException(e);
            } finally {
                out.flush();
            }
        }, "writer");
        writer.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (!line.isBlank()) {
                String scenario = line;
                pending.put(pool.submit(() -> answer(scenario)));
            }
        }
        pending.put(end);
        writer.join();
        pool.shutdownNow();
    }

    /** One result line for one scenario line; a failure becomes {"error": stack trace}. */
    static String answer(String line) throws Exception {
        ObjectNode result = JSON.createObjectNode();
        try {
            JsonNode scenario = JSON.readTree(line);
            result.set("id", scenario.get("id"));
            ArrayNode store = JSON.createArrayNode();
            result.set("outputs", run(scenario, store));
            if (scenario.get("topology").asText().equals("window")) {
                result.set("store", store);
            }
        } catch (Exception | AssertionError e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            result.put("error", trace.toString());
        }
        return JSON.writeValueAsString(result);
    }

    /** One input record, with its position in the scenario. */
    private record Input(int index, String topic, String key, String value, long ts) {}

    /** Runs every partition through its own driver; outputs in input order. Windows: what
     * the aggregation's store shows at the end goes to {@code store}. */
    static ArrayNode run(JsonNode scenario, ArrayNode store) {
        Map<Integer, List<Input>> partitions = new TreeMap<>();
        JsonNode records = scenario.get("records");
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            int partition = r.path("partition").asInt(0);
            partitions.computeIfAbsent(partition, p -> new ArrayList<>())
                .add(new Input(i, r.get("topic").asText(), text(r.get("key")), text(r.get("value")),
                               r.get("ts").asLong()));
        }
        List<ObjectNode> outputs = new ArrayList<>();
        for (Map.Entry<Integer, List<Input>> partition : partitions.entrySet()) {
            outputs.addAll(runPartition(scenario, partition.getKey(), partition.getValue(), store));
        }
        outputs.sort((a, b) -> Integer.compare(a.get("index").asInt(), b.get("index").asInt()));
        ArrayNode array = JSON.createArrayNode();
        outputs.forEach(array::add);
        return array;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private static List<ObjectNode> runPartition(JsonNode s, int partition, List<Input> inputs,
                                                 ArrayNode store) {
        List<ObjectNode> sink = new ArrayList<>();
        int[] current = {-1};
        StreamsBuilder builder = new StreamsBuilder();
        String topology = s.get("topology").asText();
        if (topology.equals("window")) {
            buildWindow(builder, s, sink, current);
        } else if (topology.equals("join")) {
            buildJoin(builder, s, sink, current);
        } else {
            throw new IllegalArgumentException("unknown topology " + topology);
        }
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ks-oracle");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX, 0L);
        String stateDir = System.getProperty("java.io.tmpdir") + File.separator + "ks-oracle-"
            + UUID.randomUUID();
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), p)) {
            Map<String, TestInputTopic<String, String>> topics = new TreeMap<>();
            for (Input input : inputs) {
                TestInputTopic<String, String> topic = topics.computeIfAbsent(input.topic(),
                    name -> driver.createInputTopic(name, new StringSerializer(), new StringSerializer()));
                current[0] = input.index();
                topic.pipeInput(input.key(), input.value(), input.ts());
            }
            if (topology.equals("window")) {
                readStore(driver, s.get("kind").asText(), partition, inputs, store);
            }
        } finally {
            deleteTree(new File(stateDir));
        }
        return sink;
    }

    /** Every window the aggregation's store shows for each key of the partition (its reads:
     * retention hides old windows), in the store's order. */
    private static void readStore(TopologyTestDriver driver, String kind, int partition,
                                  List<Input> inputs, ArrayNode store) {
        java.util.TreeSet<String> keys = new java.util.TreeSet<>();
        inputs.stream().map(Input::key).filter(java.util.Objects::nonNull).forEach(keys::add);
        for (String key : keys) {
            if (kind.equals("session")) {
                SessionStore<String, String> sessions = driver.getSessionStore("agg");
                try (var it = sessions.fetch(key)) {
                    it.forEachRemaining(kv -> store.add(storeRow(partition, kv.key, kv.value)));
                }
            } else {
                WindowStore<String, String> windows = driver.getWindowStore("agg");
                try (var it = windows.fetch(key, key, java.time.Instant.ofEpochMilli(0),
                                            java.time.Instant.ofEpochMilli(Long.MAX_VALUE))) {
                    it.forEachRemaining(kv -> store.add(storeRow(partition, kv.key, kv.value)));
                }
            }
        }
    }

    private static ObjectNode storeRow(int partition, Windowed<String> key, String value) {
        ObjectNode o = JSON.createObjectNode();
        o.put("partition", partition);
        o.put("key", key.key());
        o.put("start", key.window().start());
        o.put("end", key.window().end());
        o.put("value", value);
        return o;
    }

    private static void deleteTree(File file) {
        File[] children = file.listFiles();
        if (children != null) {
            for (File child : children) {
                deleteTree(child);
            }
        }
        file.delete();
    }

    private static ObjectNode output(int index, String key, String value, long ts) {
        ObjectNode o = JSON.createObjectNode();
        o.put("index", index);
        o.put("key", key);
        o.put("value", value);
        o.put("ts", ts);
        return o;
    }

    // -- windowed aggregations ------------------------------------------------------------

    private static void buildWindow(StreamsBuilder builder, JsonNode s, List<ObjectNode> sink, int[] current) {
        String kind = s.get("kind").asText();
        long grace = s.path("grace").asLong(0);
        JsonNode retentionNode = s.get("retention");
        Duration retention = retentionNode == null || retentionNode.isNull() ? null
            : Duration.ofMillis(retentionNode.asLong());
        boolean fin = s.path("emit").asText("update").equals("final");
        KGroupedStream<String, String> grouped = builder
            .stream("input", Consumed.with(Serdes.String(), Serdes.String()))
            .groupByKey(Grouped.with(Serdes.String(), Serdes.String()));
        KTable<Windowed<String>, String> table;
        if (kind.equals("session")) {
            Materialized<String, String, SessionStore<Bytes, byte[]>> m =
                Materialized.<String, String, SessionStore<Bytes, byte[]>>as("agg")
                    .withKeySerde(Serdes.String()).withValueSerde(Serdes.String());
            if (retention != null) {
                m = m.withRetention(retention);
            }
            table = grouped
                .windowedBy(SessionWindows.ofInactivityGapAndGrace(
                    Duration.ofMillis(s.get("gap").asLong()), Duration.ofMillis(grace)))
                .aggregate(() -> "", (k, v, agg) -> agg + "," + (v == null ? "N" : v),
                           (k, a, b) -> a + "|" + b, m);
        } else {
            Materialized<String, String, WindowStore<Bytes, byte[]>> m =
                Materialized.<String, String, WindowStore<Bytes, byte[]>>as("agg")
                    .withKeySerde(Serdes.String()).withValueSerde(Serdes.String());
            if (retention != null) {
                m = m.withRetention(retention);
            }
            var windowed = switch (kind) {
                case "tumbling" -> grouped.windowedBy(TimeWindows.ofSizeAndGrace(
                    Duration.ofMillis(s.get("size").asLong()), Duration.ofMillis(grace)));
                case "hopping" -> grouped.windowedBy(TimeWindows.ofSizeAndGrace(
                        Duration.ofMillis(s.get("size").asLong()), Duration.ofMillis(grace))
                    .advanceBy(Duration.ofMillis(s.get("advance").asLong())));
                case "sliding" -> null;
                default -> throw new IllegalArgumentException("unknown window kind " + kind);
            };
            if (windowed != null) {
                table = windowed.aggregate(() -> "", (k, v, agg) -> agg + "," + (v == null ? "N" : v), m);
            } else {
                table = grouped.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(
                        Duration.ofMillis(s.get("difference").asLong()), Duration.ofMillis(grace)))
                    .aggregate(() -> "", (k, v, agg) -> agg + "," + (v == null ? "N" : v), m);
            }
        }
        if (fin) {
            table = table.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()));
        }
        table.toStream().process(() -> new Processor<Windowed<String>, String, Void, Void>() {
            @Override
            public void process(Record<Windowed<String>, String> r) {
                ObjectNode o = output(current[0], r.key().key(), r.value(), r.timestamp());
                o.put("start", r.key().window().start());
                o.put("end", r.key().window().end());
                sink.add(o);
            }
        });
    }

    // -- joins ----------------------------------------------------------------------------

    private static void buildJoin(StreamsBuilder builder, JsonNode s, List<ObjectNode> sink, int[] current) {
        String type = s.get("type").asText();
        String kind = s.get("kind").asText();
        Consumed<String, String> c = Consumed.with(Serdes.String(), Serdes.String());
        ValueJoiner<String, String, String> joiner = (l, r) -> "(" + l + "," + r + ")";
        KStream<String, String> result;
        switch (type) {
            case "stream-stream" -> {
                KStream<String, String> l = builder.stream("left", c);
                KStream<String, String> r = builder.stream("right", c);
                JoinWindows w = JoinWindows
                    .ofTimeDifferenceAndGrace(Duration.ZERO, Duration.ofMillis(s.path("grace").asLong(0)))
                    .after(Duration.ofMillis(s.get("after").asLong()))
                    .before(Duration.ofMillis(s.get("before").asLong()));
                StreamJoined<String, String, String> sj =
                    StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String());
                result = switch (kind) {
                    case "inner" -> l.join(r, joiner, w, sj);
                    case "left" -> l.leftJoin(r, joiner, w, sj);
                    case "outer" -> l.outerJoin(r, joiner, w, sj);
                    default -> throw new IllegalArgumentException("unknown join kind " + kind);
                };
            }
            case "stream-table" -> {
                KStream<String, String> l = builder.stream("left", c);
                KTable<String, String> r = builder.table("right", c);
                result = switch (kind) {
                    case "inner" -> l.join(r, joiner);
                    case "left" -> l.leftJoin(r, joiner);
                    default -> throw new IllegalArgumentException("stream-table join kind " + kind);
                };
            }
            case "stream-globaltable" -> {
                // the lookup key is taken from the stream value "fk:n" ("_": null), as for FKs
                KStream<String, String> l = builder.stream("left", c);
                GlobalKTable<String, String> g = builder.globalTable("right", c);
                KeyValueMapper<String, String, String> lookup = (k, v) -> {
                    if (v == null) {
                        return null;
                    }
                    String f = v.split(":")[0];
                    return f.equals("_") ? null : f;
                };
                result = switch (kind) {
                    case "inner" -> l.join(g, lookup, joiner);
                    case "left" -> l.leftJoin(g, lookup, joiner);
                    default -> throw new IllegalArgumentException("stream-globaltable join kind " + kind);
                };
            }
            case "table-table" -> {
                KTable<String, String> l = builder.table("left", c);
                KTable<String, String> r = builder.table("right", c);
                result = (switch (kind) {
                    case "inner" -> l.join(r, joiner);
                    case "left" -> l.leftJoin(r, joiner);
                    case "outer" -> l.outerJoin(r, joiner);
                    default -> throw new IllegalArgumentException("unknown join kind " + kind);
                }).toStream();
            }
            case "foreign-key" -> {
                KTable<String, String> l = builder.table("left", c);
                KTable<String, String> r = builder.table("right", c);
                Function<String, String> fk = v -> {
                    String f = v.split(":")[0];
                    return f.equals("_") ? null : f;
                };
                result = (switch (kind) {
                    case "inner" -> l.join(r, fk, joiner);
                    case "left" -> l.leftJoin(r, fk, joiner);
                    default -> throw new IllegalArgumentException("foreign-key join kind " + kind);
                }).toStream();
            }
            default -> throw new IllegalArgumentException("unknown join type " + type);
        }
        result.process(() -> new Processor<String, String, Void, Void>() {
            @Override
            public void process(Record<String, String> r) {
                sink.add(output(current[0], r.key(), r.value(), r.timestamp()));
            }
        });
    }
}
