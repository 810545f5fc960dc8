public enum ConduitApp {}
