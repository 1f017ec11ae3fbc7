package org.coverledger.query.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.coverledger.query.claim.ClaimEvents.requested;
import static org.coverledger.query.claim.ClaimEvents.submitted;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.MethodParameter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** Following a claim: its progress at once, again on a change, and the stream ends after its lifetime. */
class ClaimProgressStreamTest {

    private static final Instant AT = Instant.parse("2027-03-02T02:00:00Z");
    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final ClaimProgressProjection projection = new ClaimProgressProjection(mongo.template());
    private final ClaimProgressStreams streams = new ClaimProgressStreams(Duration.ofMillis(50), Duration.ofSeconds(2));
    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new ClaimQueryController(mongo.template(),
                    ClaimEvents.sla(AT), streams, new MockHttpServletRequest(), null))
            .setCustomArgumentResolvers(new HandlerMethodArgumentResolver() {
                @Override
                public boolean supportsParameter(MethodParameter parameter) {
                    return parameter.getParameterType() == Caller.class;
                }

                @Override
                public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer container,
                                              NativeWebRequest request, WebDataBinderFactory binders) {
                    return new Caller("alice", Set.of(Role.CUSTOMER));
                }
            }).build();

    @AfterEach
    void stop() {
        streams.stop();
        mongo.close();
    }

    @Test
    void the_stream_sends_the_progress_at_once_and_on_every_change() throws Exception {
        projection.on(submitted("clm-1", AT, "Hospital stay"), 0, "alice");
        MockHttpServletResponse response = mvc.perform(get("/api/claims/clm-1/progress/stream"))
                .andExpect(request().asyncStarted()).andReturn().getResponse();
        await().atMost(Duration.ofSeconds(2)).until(() -> response.getContentAsString().contains("\"SUBMITTED\""));
        assertThat(events(response)).isEqualTo(1);

        projection.on(requested("clm-1", AT.plusSeconds(60), "please upload"), 1);
        await().atMost(Duration.ofSeconds(2)).until(() -> events(response) == 2);
        assertThat(response.getContentAsString()).contains("\"status\":\"MATERIALS_REQUESTED\"")
                .contains("id:clm-1@1");
        Thread.sleep(300); // nothing changed: nothing more is sent
        assertThat(events(response)).isEqualTo(2);
    }

    @Test
    void someone_elses_claim_is_not_followed() throws Exception {
        projection.on(new org.coverledger.events.claim.ClaimApi.ClaimSubmitted("clm-2", "pol-2", "acc-2", "bob",
                AT.atZone(java.time.ZoneOffset.UTC).toLocalDate(), "x", ClaimEvents.cny("1.00"), AT, null, null, null,
                null), 0, "bob");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> mvc.perform(get("/api/claims/clm-2/progress/stream")))
                .hasRootCauseInstanceOf(org.coverledger.platform.ProblemResponses.NotFound.class);
    }

    private static int events(MockHttpServletResponse response) throws Exception {
        return response.getContentAsString().split("event:progress", -1).length - 1;
    }
}
