import config from "@penguinmails/eslint-config";

export default config;
