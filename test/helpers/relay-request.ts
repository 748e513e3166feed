export { relayRequest } from '../../shared/testing';
