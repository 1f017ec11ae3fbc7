package org.coverledger.query.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Set;

import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.account.NoticeApi.NoticeIssued;
import org.coverledger.events.account.Notices.Channel;
import org.coverledger.events.account.Notices.NoticeType;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.coverledger.privacy.PersonalDataSeal;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** Given notices, one inbox per account: the latest 200, each once, newest first for its owner. */
class NoticeInboxProjectionTest {

    private static final Instant AT = Instant.parse("2027-03-02T02:00:00Z");
    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final NoticeInboxProjection projection = new NoticeInboxProjection(mongo.template());
    private final AccountQueryController controller = new AccountQueryController(mongo.template(), null,
            new MockHttpServletRequest(), null);

    @BeforeEach
    void account() {
        new AccountProjection(mongo.template()).on(new AccountRegistered("acc-1", "alice", "Wang Fang",
                "110105198807150026", "13912340000", "wang.fang@example.com"), 0, AT);
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private static NoticeIssued notice(int n) {
        return new NoticeIssued("n-" + n, "acc-1", NoticeType.CLAIM_PROGRESS, Channel.SMS, "13912340000",
                "Claim step " + n, "clm-1", null, AT.plusSeconds(n));
    }

    private NoticeInbox inbox() {
        return mongo.template().findById("acc-1", NoticeInbox.class);
    }

    @Test
    void the_inbox_keeps_the_latest_200_and_each_notice_once() {
        for (int n = 1; n <= 205; n++) {
            projection.on(notice(n));
        }
        projection.on(notice(205)); // redelivered while kept
        projection.on(notice(3)); // redelivered after it fell off
        assertThat(inbox().notices()).hasSize(200);
        assertThat(inbox().notices().get(0).noticeId()).isEqualTo("n-6");
        assertThat(inbox().notices().get(199).noticeId()).isEqualTo("n-205");
        assertThat(inbox().notices().stream().map(NoticeInbox.Notice::noticeId).distinct()).hasSize(200);
    }

    @Test
    void the_owner_reads_it_newest_first_an_admin_with_the_address_masked() {
        projection.on(notice(1));
        projection.on(notice(2));
        projection.on(notice(1));
        Paging.Page<NoticeInbox.Notice> mine = controller.notices("acc-1", null, null,
                new Caller("alice", Set.of(Role.CUSTOMER)));
        assertThat(mine.items()).extracting(NoticeInbox.Notice::noticeId).containsExactly("n-2", "n-1");
        assertThat(mine.total()).isEqualTo(2);
        assertThat(mine.items().get(0).to()).isEqualTo("13912340000");
        assertThat(mine.items().get(0).text()).isEqualTo("Claim step 2");
        assertThat(controller.notices("acc-1", null, null, new Caller("root", Set.of(Role.ADMIN))).items().get(0).to())
                .isEqualTo("139****0000");
        assertThatThrownBy(() -> controller.notices("acc-1", null, null, new Caller("bob", Set.of(Role.CUSTOMER))))
                .isInstanceOf(NotFound.class);
    }

    @Test
    void an_erasure_forgets_the_notices_text() {
        projection.on(notice(1));
        projection.on(new PersonalDataErased("acc-1", "root", AT.plusSeconds(60)));
        assertThat(inbox().notices().get(0).text()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(inbox().notices().get(0).to()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(inbox().notices().get(0).type()).isEqualTo("CLAIM_PROGRESS");
    }
}
