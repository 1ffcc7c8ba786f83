"""The outside procedures the self-check compares the suite with, each run in its own
process (``refprocess``): the ResNet table's procedure (``resnet_table``) and aukejw's
layer harness (``layer_harness``)."""
