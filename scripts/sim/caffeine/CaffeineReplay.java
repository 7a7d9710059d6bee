import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;

/**
 * Replays a cache2k trace (32-bit big-endian keys on standard input) through Caffeine itself, the Java
 * cache whose W-TinyLFU ours follows, as the simulator replays ours: a read, then a write on a miss.
 * Maintenance runs on the calling thread after every access, so no read is dropped from Caffeine's
 * read buffer and the result is Caffeine's policy alone. See docs/eviction-policies.md for how to run it.
 *
 * Usage (Java 11 or later runs the source file as it is), with Caffeine 3.2.2 from Maven Central (the
 * same source runs against Caffeine 2.x, e.g. Debian's libcaffeine-java):
 *   xz -dc web12.trace.xz | java -cp caffeine-3.2.2.jar CaffeineReplay.java 1000
 * `npm run sim -- --goal --caffeine caffeine-3.2.2.jar ...` runs it for every trace and size.
 */
public final class CaffeineReplay {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: CaffeineReplay <maximum size>");
    long size = Long.parseLong(args[0]);
    Cache<Integer, Boolean> cache = Caffeine.newBuilder().maximumSize(size).executor(Runnable::run).build();
    DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
    long accesses = 0;
    long hits = 0;
    for (;;) {
      int key;
      try {
        key = in.readInt();
      } catch (EOFException end) {
        break;
      }
      accesses++;
      if (cache.getIfPresent(key) != null) hits++;
      else cache.put(key, Boolean.TRUE);
      cache.cleanUp();
    }
    System.out.printf("size=%d accesses=%d hit=%.2f %%%n", size, accesses, 100.0 * hits / accesses);
  }
}
