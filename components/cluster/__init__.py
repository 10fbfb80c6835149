"""AtlasCluster and what only it uses: auto-scaling drift control and the connections alert."""
