"""Platform adapters: translate inbound events to Requests and Replies to API calls, nothing more."""
