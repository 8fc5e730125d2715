package dev.llmcache.ingest.batch;

import dev.llmcache.ingest.api.ApiException;
import java.util.List;
import java.util.function.Function;
import org.springframework.web.reactive.function.server.ServerRequest;

/** OpenAI's cursor paging of lists: {@code limit}, {@code after} (an id), {@code order}. */
final class Paging {

    private Paging() {
    }

    record Page<T>(List<T> items, boolean hasMore) {
    }

    static int limit(ServerRequest request, int defaultLimit, int max) {
        String value = request.queryParam("limit").orElse(null);
        if (value == null) {
            return defaultLimit;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.invalid("limit", "limit must be a whole number from 1 to " + max);
    }

    static boolean ascending(ServerRequest request) {
        String order = request.queryParam("order").orElse("desc");
        return switch (order) {
            case "asc" -> true;
            case "desc" -> false;
            default -> throw ApiException.invalid("order", "order must be asc or desc");
        };
    }

    /** The items after the one with id {@code after} (all if null or unknown), at most {@code limit}. */
    static <T> Page<T> after(List<T> sorted, String after, int limit, Function<T, String> id) {
        int from = 0;
        if (after != null) {
            for (int i = 0; i < sorted.size(); i++) {
                if (id.apply(sorted.get(i)).equals(after)) {
                    from = i + 1;
                    break;
                }
            }
        }
        int to = Math.min(sorted.size(), from + limit);
        return new Page<>(sorted.subList(from, to), to < sorted.size());
    }
}
