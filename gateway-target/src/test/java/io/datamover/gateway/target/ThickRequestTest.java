package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.MIB;
import static io.datamover.gateway.target.Images.data;
import static io.datamover.gateway.target.Images.trim;
import static io.datamover.gateway.target.Images.zero;

import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Hello;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A source whose disks are on NFS asks for thick replicas ({@link Feature#THICK_REPLICA}) and gets them from a target
 * gateway configured thin: at creation, and for a group first replicated thin, from the connection that asks.
 */
class ThickRequestTest extends TargetGatewayFixture {

    private static Hello askingThick() {
        return TestSource.hello(PAIR, CG, Images.DISKS).requesting(Feature.THICK_REPLICA, true);
    }

    private void applyZerosAndTrims(TestSource source, long first) throws Exception {
        source.send(images.batch(CG, first, first + 3, Compression.NONE, List.of(
                data(first, 1, 0, images.random(2 * MIB)),
                zero(first + 1, 1, 256 * 1024, 512 * 1024),
                trim(first + 2, 1, MIB + 100, 300_000),
                trim(first + 3, 2, 0, 2 * MIB))));
        source.awaitAck(AckScope.APPLIED, first + 3);
    }

    @Test
    void aSourceAskingForThickReplicasGetsThemFromAThinTarget() throws Exception {
        start();
        TestSource source = connect(askingThick());

        applyZerosAndTrims(source, 1);

        images.assertThickReplicasMatch(replicaDir());
    }

    @Test
    void aGroupReplicatedThinIsMadeThickWhenItsSourceAsksAfterARestart() throws Exception {
        start();
        TestSource thin = connect();
        applyZerosAndTrims(thin, 1);
        images.assertReplicasMatch(replicaDir());
        thin.close();

        start(); // the restarted gateway opens the group as configured: thin, until its source asks
        TestSource thick = connect(askingThick());
        images.assertThickReplicasMatch(replicaDir());
        applyZerosAndTrims(thick, 5);
        images.assertThickReplicasMatch(replicaDir());
    }
}
