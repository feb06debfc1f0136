package io.meshlane.control.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one zero-weight rule that both the API's admission check and the xDS translator apply. */
class DestinationWeightsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoOrMoreDestinationsWhoseWeightsSumToZeroOrLessRouteNowhere() throws Exception {
        Map<String, Boolean> cases = Map.of(
                "[{\"destination\":{\"host\":\"a\"}}]", false,
                "[{\"destination\":{\"host\":\"a\"},\"weight\":0}]", false,
                "[{\"weight\":90},{\"weight\":10}]", false,
                "[{\"weight\":0},{\"weight\":1}]", false,
                "[{\"weight\":0},{\"weight\":0}]", true,
                "[{\"destination\":{\"host\":\"a\"}},{\"destination\":{\"host\":\"b\"}}]", true,
                "[{\"weight\":-5},{\"weight\":5}]", true,
                "[]", false);
        for (var c : cases.entrySet()) {
            assertEquals(c.getValue(), DestinationWeights.routeNowhere(JSON.readTree(c.getKey())), c.getKey());
        }
        assertEquals(false, DestinationWeights.routeNowhere(JSON.missingNode()), "a route without destinations is another error");
    }
}
