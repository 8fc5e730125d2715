package dev.llmcache.ingest.auth;

import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ApiHeaders;
import dev.llmcache.ingest.api.ErrorResponses;
import dev.llmcache.ingest.api.ReadAhead;
import dev.llmcache.ingest.limits.Admission;
import dev.llmcache.ingest.limits.RateLimiter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * In front of every API route: who is calling ({@link ApiKeys}; 401 before anything else is
 * read) and whether their tenant's request budget has room ({@link RateLimiter}; 429). Leaves
 * the {@link Caller} and the {@link Admission} in the request's attributes for the handlers, and
 * puts the budget headers on every response, whatever it turns out to be.
 */
public final class ApiAccessFilter implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    private static final String CALLER = ApiAccessFilter.class.getName() + ".caller";
    private static final String ADMISSION = ApiAccessFilter.class.getName() + ".admission";
    private static final String TENANT = ApiAccessFilter.class.getName() + ".tenant";

    private final ApiKeys keys;
    private final RateLimiter limiter;
    private final String defaultTenant;

    public ApiAccessFilter(ApiKeys keys, RateLimiter limiter, String defaultTenant) {
        this.keys = keys;
        this.limiter = limiter;
        this.defaultTenant = defaultTenant;
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        // A request the fast path began was authenticated and admitted there: once is enough.
        ReadAhead ahead = ReadAhead.of(request.exchange().getRequest());
        Caller caller;
        try {
            caller = ahead != null ? ahead.caller() : authenticate(request.headers().asHttpHeaders());
        } catch (ApiException unauthorized) {
            return ErrorResponses.of(unauthorized);
        }
        request.attributes().put(CALLER, caller);
        String tenant = budgetTenant(caller, request.headers().asHttpHeaders());
        request.attributes().put(TENANT, tenant);
        if (!limiter.enabled()) {
            request.attributes().put(ADMISSION, Admission.unlimited());
            return next.handle(request);
        }
        return (ahead != null ? Mono.just(ahead.admission()) : limiter.admit(tenant)).flatMap(admission -> {
            request.attributes().put(ADMISSION, admission);
            admission.writeHeadersOn(request.exchange().getResponse());
            return admission.granted() ? next.handle(request) : ErrorResponses.of(admission.refusal());
        });
    }

    /** Who sends a request with these headers; a missing or unknown key is a 401 {@link ApiException}. */
    public Caller authenticate(HttpHeaders headers) {
        return keys.authenticate(headers.getFirst(HttpHeaders.AUTHORIZATION));
    }

    /**
     * Takes one request from the budget of the tenant the caller spends ({@link #budgetTenant}).
     * A refused admission has taken nothing.
     */
    public Mono<Admission> admit(Caller caller, HttpHeaders headers) {
        return limiter.enabled() ? limiter.admit(budgetTenant(caller, headers)) : Mono.just(Admission.unlimited());
    }

    /** The caller of a request that passed this filter. */
    public static Caller callerOf(ServerRequest request) {
        Object caller = request.attributes().get(CALLER);
        if (!(caller instanceof Caller known)) {
            // A route wired without this filter must fail loudly, not run open.
            throw new IllegalStateException("No caller: the route is not behind ApiAccessFilter");
        }
        return known;
    }

    /**
     * The tenant a request that passed this filter is served as: its key's, or when the product
     * runs open, the one its {@code X-Tenant-ID} header names (else the default). Owner of the
     * files and batches it creates.
     */
    public static String tenantOf(ServerRequest request) {
        Object tenant = request.attributes().get(TENANT);
        if (!(tenant instanceof String known)) {
            throw new IllegalStateException("No tenant: the route is not behind ApiAccessFilter");
        }
        return known;
    }

    /** The admission of a request that passed this filter. */
    public static Admission admissionOf(ServerRequest request) {
        return request.attributes().get(ADMISSION) instanceof Admission admission ? admission : Admission.unlimited();
    }

    /** Whose budget a request spends: its key's tenant; when open, the tenant its header names. */
    private String budgetTenant(Caller caller, HttpHeaders headers) {
        if (caller.authenticated()) {
            return caller.tenant();
        }
        String named = headers.getFirst(ApiHeaders.TENANT);
        return named != null && ApiHeaders.NAME.matcher(named).matches() ? named : defaultTenant;
    }
}
