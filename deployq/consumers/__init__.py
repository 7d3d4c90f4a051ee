"""The AMQP side: topology, decoding, dispatch, and the consume → reply → ack loop."""
